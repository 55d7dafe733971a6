package io.agentmq.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secrets read from files named by {@code <VARIABLE>_FILE}, as Docker and Kubernetes mount them.
 */
class ConfigFileVariablesTest {
  private static final String SECRET = "s3cr3t/with@odd:chars";

  @TempDir Path dir;

  private MqConfig load(Map<String, String> environment) {
    return MqConfig.builder()
        .section("myapp")
        .alias("MYAPP_URL", "myapp.url")
        .environment(environment)
        .build();
  }

  @Test
  @DisplayName("reads an alias's value from the file <ALIAS>_FILE names, without its line break")
  void aliasFromFile() throws Exception {
    Path file = Files.writeString(dir.resolve("url"), "amqp://agent:" + SECRET + "@h\n");
    MqConfig config = load(Map.of("MYAPP_URL_FILE", file.toString()));
    assertThat(config.section("myapp").string("url")).contains("amqp://agent:" + SECRET + "@h");
    assertThat(config.sourceOf("myapp.url")).contains(file.toString()).contains("MYAPP_URL_FILE");
  }

  @Test
  @DisplayName("reads a secret key's MQ_ variable from the file MQ_..._FILE names")
  void secretKeyFromFile() throws Exception {
    Path file = Files.writeString(dir.resolve("password"), SECRET);
    MqConfig config = load(Map.of("MQ_MYAPP_PASSWORD_FILE", file.toString()));
    assertThat(config.section("myapp").string("password")).contains(SECRET);
    assertThat(config.toString()).doesNotContain(SECRET);
  }

  @Test
  @DisplayName(
      "takes an ordinary key that ends in _file as it is: the path, not the file's content")
  void ordinaryKeyEndingInFile() throws Exception {
    Path file = Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----");
    MqConfig config = load(Map.of("MQ_MYAPP_CA_FILE", file.toString()));
    assertThat(config.section("myapp").string("ca_file")).contains(file.toString());
  }

  @Test
  @DisplayName("refuses a variable set both directly and through a file")
  void bothWays() throws Exception {
    Path file = Files.writeString(dir.resolve("password"), SECRET);
    assertThatThrownBy(
            () ->
                load(
                    Map.of(
                        "MQ_MYAPP_PASSWORD", "other", "MQ_MYAPP_PASSWORD_FILE", file.toString())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("both MQ_MYAPP_PASSWORD and MQ_MYAPP_PASSWORD_FILE are set")
        .hasMessageNotContaining(SECRET)
        .hasMessageNotContaining("other");
  }

  @Test
  @DisplayName("names the variable and the path of a file it cannot read, never a value")
  void unreadableFile() {
    Path missing = dir.resolve("missing");
    assertThatThrownBy(() -> load(Map.of("MQ_MYAPP_PASSWORD_FILE", missing.toString())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("MQ_MYAPP_PASSWORD_FILE")
        .hasMessageContaining(missing.toString())
        .hasMessageContaining("readable file");
  }
}
