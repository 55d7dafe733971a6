package io.agentmq.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.agentmq.api.ConfigSection.Setting;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/** Reads a YAML or JSON configuration file into flat, dotted settings. */
final class ConfigFiles {
  // The parser keeps no source text in its locations: an error must never carry the file.
  private static final ObjectMapper JSON =
      new ObjectMapper(
          JsonFactory.builder().disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION).build());
  private static final ObjectMapper YAML =
      new ObjectMapper(
          YAMLFactory.builder().disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION).build());

  /**
   * Starts of parser messages (SnakeYAML's, Jackson's), each with the words printed for it: the
   * messages themselves may quote the offending text, which may be a secret.
   */
  private static final Map<String, String> SYNTAX_ERRORS =
      Map.ofEntries(
          Map.entry("mapping values are not allowed here", "a ':' where no mapping value may be"),
          Map.entry("mapping keys are not allowed here", "a mapping key where none may be"),
          Map.entry("sequence entries are not allowed here", "a '-' where no list may be"),
          Map.entry("could not find expected ':'", "a key without ':'"),
          Map.entry("did not find expected key", "bad indentation or an unclosed mapping"),
          Map.entry("did not find expected '-' indicator", "bad indentation in a list"),
          Map.entry("expected <block end>", "bad indentation"),
          Map.entry("expected the node content", "a missing value"),
          Map.entry("found unexpected end of stream", "an unclosed quote or bracket"),
          Map.entry("found unexpected document separator", "an unexpected '---'"),
          Map.entry("found character", "a character that cannot start a token (a tab?)"),
          Map.entry("found unknown escape character", "an unknown escape in a quoted string"),
          Map.entry("found undefined alias", "an undefined alias"),
          Map.entry("found duplicate anchor", "a duplicate anchor"),
          Map.entry("unexpected character", "an unexpected character"),
          Map.entry("unrecognized token", "an unquoted word where a value must be quoted"),
          Map.entry("unexpected end-of-input", "an unexpected end of input"),
          Map.entry("unexpected close marker", "an unmatched closing bracket"),
          Map.entry("illegal unquoted character", "a control character inside a string"));

  private ConfigFiles() {}

  /**
   * The file's settings, nested keys joined with dots.
   *
   * @throws ConfigException for an unreadable file, a syntax error (with its line, column and kind,
   *     never the file's text or a value, which may be secrets), or a value that is a list
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
      root = (json ? JSON : YAML).readTree(Files.readAllBytes(path));
    } catch (JsonProcessingException e) {
      throw new ConfigException(
          "cannot read configuration file '"
              + path
              + "': not valid "
              + (json ? "JSON" : "YAML")
              + syntaxErrorPlace(e)
              + ": "
              + syntaxErrorKind(e));
    } catch (IOException e) {
      throw new ConfigException(
          "cannot read configuration file '"
              + path
              + "': "
              + e.getClass().getSimpleName()
              + (e instanceof FileSystemException f && f.getReason() != null
                  ? ": " + f.getReason()
                  : ""));
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

  /**
   * What kind of syntax error {@code e} is, in the parser's words when they are known to hold no
   * text of the file (most parser messages quote the offending token, which may be a secret).
   */
  /** " at line L, column C" of the error, as SnakeYAML marks it for YAML, else Jackson does. */
  private static String syntaxErrorPlace(JsonProcessingException e) {
    if (e.getCause() instanceof MarkedYAMLException yaml && yaml.getProblemMark() != null) {
      Mark mark = yaml.getProblemMark();
      return " at line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
    }
    return e.getLocation() == null
        ? ""
        : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
  }

  private static String syntaxErrorKind(JsonProcessingException e) {
    String text =
        e.getCause() instanceof MarkedYAMLException yaml
            ? yaml.getProblem()
            : e.getOriginalMessage();
    String lower = text == null ? "" : text.toLowerCase(Locale.ROOT);
    for (Map.Entry<String, String> kind : SYNTAX_ERRORS.entrySet()) {
      if (lower.startsWith(kind.getKey())) {
        return kind.getValue();
      }
    }
    return e instanceof JsonEOFException ? "an unexpected end of input" : "a syntax error";
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
