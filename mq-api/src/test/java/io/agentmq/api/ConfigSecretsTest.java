package io.agentmq.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Secrets fed through every path that prints configuration: none of them may show them. */
class ConfigSecretsTest {
  static final String SECRET = "s3cr3t/with@odd:chars";

  @TempDir Path dir;

  /** The exception as a log would print it: message, causes and their messages. */
  private static String printed(Throwable t) {
    StringWriter out = new StringWriter();
    t.printStackTrace(new PrintWriter(out));
    return out.toString();
  }

  private ConfigException buildFails(MqConfig.Builder builder) {
    return catchThrowableOfType(ConfigException.class, builder::build);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "unclosed quote | mq.yaml | 3 | 'amqp:\\n  password: \"" + SECRET + "\\n'",
        "tab indentation | mq.yaml | 2 | 'amqp:\\n\\tpassword: " + SECRET + "\\n'",
        "value with ': ' | mq.yaml | 2 | 'amqp:\\n  password: " + SECRET + ": x\\n'",
        "unquoted JSON value | mq.json | 1 | '{\"password\": " + SECRET + "}'",
        "unclosed JSON string | mq.json | 1 | '{\"password\": \"" + SECRET + "'",
      })
  @DisplayName("reports a file's syntax error by file, line, column and kind, never its text")
  void syntaxErrors(String name, String file, int line, String content) throws IOException {
    Path path = dir.resolve(file);
    Files.writeString(path, content.replace("\\n", "\n").replace("\\t", "\t"));

    ConfigException e = buildFails(MqConfig.builder().section("amqp").file(path));

    assertThat(e.getMessage())
        .contains("cannot read configuration file '" + path + "': not valid")
        .containsPattern("at line " + line + ", column \\d+: \\w+");
    assertThat(printed(e)).doesNotContain("s3cr3t", "odd:chars", "password");
  }

  @Test
  @DisplayName("names the kind of a YAML error in words that quote nothing")
  void syntaxErrorKind() throws IOException {
    Path path = Files.writeString(dir.resolve("mq.yaml"), "amqp:\n\tpassword: " + SECRET + "\n");

    ConfigException e = buildFails(MqConfig.builder().section("amqp").file(path));

    assertThat(e.getMessage())
        .endsWith("at line 2, column 1: a character that cannot start a token (a tab?)");
  }

  @Test
  @DisplayName("never shows a URL's password in a validation error, whatever the key")
  void validationErrorRedactsUrl() {
    MqConfig c =
        MqConfig.builder()
            .section("amqp")
            .set("amqp.url", "amqps://agent:" + SECRET + "^x@rabbit:5671/prod")
            .set("amqp.management_url", "https://agent:" + SECRET + "@rabbit:15671")
            .build();
    ConfigSection section = c.section("amqp");

    section.problem("url", "a URL starting with amqp://, amqps://");
    section.problem("management_url", "a URL starting with http://, https://");
    ConfigException e = catchThrowableOfType(ConfigException.class, section::throwIfInvalid);

    assertThat(e.getMessage())
        .contains("'amqp.url' = 'amqps://****@rabbit:5671/prod' (override)")
        .contains("'amqp.management_url' = 'https://****@rabbit:15671' (override)");
    assertThat(printed(e)).doesNotContain("s3cr3t", "odd:chars");
  }

  @Test
  @DisplayName("never shows a secret in toString: secret keys, URL passwords with '/' or '@'")
  void toStringRedacts() {
    MqConfig c =
        MqConfig.builder()
            .section("amqp")
            .section("kafka")
            .section("myapp")
            .environment(
                java.util.Map.of("MQ_AMQP_URL", "amqp://agent:" + SECRET + "@rabbit:5672/vh"))
            .set("amqp.management_url", "http://agent:" + SECRET + "@rabbit:15672")
            .set("kafka.client.sasl.jaas.config", "PlainLoginModule password=\"" + SECRET + "\";")
            .set("kafka.client.ssl.keystore.key", SECRET)
            .set("myapp.api_key", SECRET)
            .set("myapp.notify", "ops:" + SECRET + "@example.com")
            .build();

    String printed = c.toString();

    assertThat(printed)
        .doesNotContain("s3cr3t", "odd:chars")
        .contains("amqp.url=amqp://****@rabbit:5672/vh")
        .contains("kafka.client.sasl.jaas.config=****")
        .contains("myapp.api_key=****");
  }
}
