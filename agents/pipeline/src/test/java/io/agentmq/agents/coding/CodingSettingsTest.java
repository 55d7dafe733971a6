package io.agentmq.agents.coding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentmq.agents.AgentsConfig;
import io.agentmq.api.ConfigException;
import io.agentmq.api.MqConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The coding agent's trust settings, {@code agents.coding.repos} and {@code build_env}. */
class CodingSettingsTest {
  private static AgentsConfig read(String key, String value) {
    return AgentsConfig.of(AgentsConfig.register(MqConfig.builder()).set(key, value).build());
  }

  @Test
  @DisplayName("repos and build_env are comma-separated lists, empty by default")
  void listsAndDefaults() {
    AgentsConfig none = AgentsConfig.of(AgentsConfig.register(MqConfig.builder()).build());
    assertThat(none.repos()).isEmpty();
    assertThat(none.buildEnv()).isEmpty();

    assertThat(read("agents.coding.repos", " /srv/a , /srv/b/../c,").repos())
        .containsExactly(Path.of("/srv/a"), Path.of("/srv/c"));
    assertThat(read("agents.coding.build_env", "MAVEN_OPTS, GRADLE_USER_HOME").buildEnv())
        .containsExactly("MAVEN_OPTS", "GRADLE_USER_HOME");
  }

  @Test
  @DisplayName(
      "a relative working copy or a bad variable name fails at start, saying what is accepted")
  void badValuesFailAtStart() {
    for (List<String> bad :
        List.of(
            List.of("agents.coding.repos", "/srv/a,relative/repo", "absolute paths"),
            List.of("agents.coding.build_env", "PATH,NOT-A-NAME", "environment variable names"))) {
      assertThatThrownBy(() -> read(bad.get(0), bad.get(1)))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("'" + bad.get(0) + "'")
          .hasMessageContaining(bad.get(1))
          .hasMessageContaining(bad.get(2));
    }
  }
}
