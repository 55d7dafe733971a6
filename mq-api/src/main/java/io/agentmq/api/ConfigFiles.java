package io.agentmq.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.agentmq.api.ConfigSection.Setting;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Reads a YAML or JSON configuration file into flat, dotted settings. */
final class ConfigFiles {
  private ConfigFiles() {}

  /**
   * The file's settings, nested keys joined with dots.
   *
   * @throws ConfigException for an unreadable file, a syntax error (with its line and column, never
   *     the file's text, which may hold secrets), or a value that is a list
   */
  static Map<String, Setting> read(Path path) {
    String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
    boolean json = name.endsWith(".json");
    if (!json && !name.endsWith(".yaml") && !name.endsWith(".yml")) {
      throw new ConfigException(
          "configuration file '" + path + "' must end in .yaml, .yml or .json");
    }
    JsonNode root;
    try {
      ObjectMapper mapper = json ? new ObjectMapper() : new ObjectMapper(new YAMLFactory());
      root = mapper.readTree(Files.readAllBytes(path));
    } catch (JsonProcessingException e) {
      throw new ConfigException(
          "cannot read configuration file '"
              + path
              + "': not valid "
              + (json ? "JSON" : "YAML")
              + (e.getLocation() == null
                  ? ""
                  : " at line "
                      + e.getLocation().getLineNr()
                      + ", column "
                      + e.getLocation().getColumnNr()));
    } catch (IOException e) {
      throw new ConfigException(
          "cannot read configuration file '"
              + path
              + "': "
              + e.getClass().getSimpleName()
              + ": "
              + e.getMessage());
    }
    Map<String, Setting> out = new LinkedHashMap<>();
    if (root == null || root.isMissingNode() || root.isNull()) {
      return out;
    }
    if (!root.isObject()) {
      throw new ConfigException(
          "configuration file '" + path + "' must hold a mapping of keys to values");
    }
    List<String> problems = new ArrayList<>();
    flatten("", root, "file " + path, out, problems);
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return out;
  }

  private static void flatten(
      String prefix,
      JsonNode node,
      String source,
      Map<String, Setting> out,
      List<String> problems) {
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      String key = prefix + e.getKey();
      JsonNode value = e.getValue();
      if (value.isObject()) {
        flatten(key + ".", value, source, out, problems);
      } else if (value.isValueNode() && !value.isNull()) {
        out.put(key, new Setting(value.asText(), source));
      } else {
        problems.add(
            "'"
                + key
                + "' ("
                + source
                + ") is "
                + (value.isNull() ? "empty" : "a list")
                + "; expected a single value");
      }
    }
  }
}
