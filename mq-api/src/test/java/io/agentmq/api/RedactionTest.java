package io.agentmq.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RedactionTest {
  @ParameterizedTest(name = "{0} is secret")
  @ValueSource(
      strings = {
        "password",
        "amqp.password",
        "kafka.client.ssl.key.password",
        "kafka.client.sasl.jaas.config",
        "kafka.client.ssl.keystore.key",
        "myapp.api_key",
        "myapp.apiKey",
        "myapp.private_key",
        "myapp.encryption.keys",
        "myapp.client_secret",
        "myapp.auth-token",
        "myapp.db_pwd",
        "myapp.basic.auth.user.info",
        "myapp.credentials"
      })
  @DisplayName("treats keys naming a password, secret, token, credential, JAAS or key as secret")
  void secretKeys(String key) {
    assertThat(Redaction.isSecretKey(key)).isTrue();
    assertThat(Redaction.value(key, "s3cr3t/with@odd:chars")).isEqualTo(Redaction.MASK);
  }

  @ParameterizedTest(name = "{0} is not secret")
  @ValueSource(
      strings = {
        "kafka.client.key.serializer",
        "key_serializer",
        "myapp.key_id",
        "kafka.client.ssl.keystore.location",
        "kafka.client.sasl.mechanism",
        "amqp.url",
        "max_retries"
      })
  @DisplayName("does not hide keys whose 'key' is not the last word, nor locations or mechanisms")
  void plainKeys(String key) {
    assertThat(Redaction.isSecretKey(key)).isFalse();
    assertThat(Redaction.value(key, "some-value")).isEqualTo("some-value");
  }

  @ParameterizedTest(name = "{0} prints as {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "amqp://agent:pw@rabbit:5672/vh | amqp://agent:****@rabbit:5672/vh",
        "amqp://agent:p%40ss@rabbit | amqp://agent:****@rabbit",
        "amqp://agent:@rabbit | amqp://agent:****@rabbit",
        "amqp://agent@rabbit/vh | amqp://agent@rabbit/vh",
        "amqp://agent:s3cr3t/with@odd:chars@rabbit:5672/vh | amqp://****@rabbit:5672/vh",
        "amqp://agent:p@ss@remote:5672 | amqp://****@remote:5672",
        "amqp://agent:pa/ss@rabbit | amqp://****@rabbit",
        "amqps://agent:hunter2^x@rabbit:5671/prod | amqps://****@rabbit:5671/prod",
        "ampq://agent:pw@rabbit | ampq://agent:****@rabbit",
        "SASL_SSL://agent:pw@k1:9092,k2:9092 | SASL_SSL://****@k1:9092,k2:9092",
        "agent:pw@k1:9092 | ****",
        "ops@example.com | ****",
        "https://rabbit:15671/api?user=a&password=pw#x | https://rabbit:15671/api?user=a&password=****#x",
        "k1:9092,k2:9092 | k1:9092,k2:9092",
        "http://rabbit:15672 | http://rabbit:15672"
      })
  @DisplayName("removes URL passwords by parsing, hiding all before the last '@' when it cannot")
  void urls(String value, String printed) {
    assertThat(Redaction.url(value)).isEqualTo(printed);
    assertThat(Redaction.value("amqp.url", value)).isEqualTo(printed);
  }

  @Test
  @DisplayName("leaves no part of a password with '/', '@' and ':' in a URL")
  void oddPassword() {
    String printed = Redaction.url("amqp://agent:s3cr3t/with@odd:chars@rabbit");

    assertThat(printed).doesNotContain("s3cr3t", "with", "odd", "chars");
  }
}
