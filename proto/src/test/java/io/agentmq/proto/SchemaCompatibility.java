package io.agentmq.proto;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.DescriptorProto.ReservedRange;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto.EnumReservedRange;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Finds the changes between two versions of a schema that break readers of data written with the
 * old one, in binary or in JSON (which names fields and enum values). Messages and enums are
 * matched by full name across files, so moving one between files is not a change.
 */
final class SchemaCompatibility {

  /** One breaking change: the element (message, field or enum value), the rule, what to do. */
  record Violation(String element, String rule, String detail) {
    @Override
    public String toString() {
      return element + ": " + rule + " — " + detail;
    }
  }

  private SchemaCompatibility() {}

  /**
   * @param registered full names of the message types senders name in {@code mq-type}: these may
   *     not be renamed or removed
   */
  static List<Violation> check(
      FileDescriptorSet baseline, FileDescriptorSet current, Set<String> registered) {
    Map<String, DescriptorProto> oldMessages = new LinkedHashMap<>();
    Map<String, EnumDescriptorProto> oldEnums = new LinkedHashMap<>();
    index(baseline, oldMessages, oldEnums);
    Map<String, DescriptorProto> newMessages = new LinkedHashMap<>();
    Map<String, EnumDescriptorProto> newEnums = new LinkedHashMap<>();
    index(current, newMessages, newEnums);

    Set<String> newTypeNames = new java.util.HashSet<>();
    current.getFileList().forEach(f -> collectTypeNames(f, newTypeNames));
    List<Violation> violations = new ArrayList<>();
    Context context = new Context(registered, newTypeNames);
    oldMessages.forEach(
        (name, old) -> {
          DescriptorProto now = newMessages.get(name);
          if (now == null) {
            if (registered.contains(name)) {
              violations.add(
                  new Violation(
                      name,
                      "registered message removed or renamed",
                      "senders and stored messages name it in mq-type; keep the name (deprecate"
                          + " it instead) or add a new message beside it"));
            }
          } else {
            checkFields(name, old, now, context, violations);
          }
        });
    oldEnums.forEach(
        (name, old) -> {
          EnumDescriptorProto now = newEnums.get(name);
          if (now != null) {
            checkEnumValues(name, old, now, violations);
          }
        });
    return violations;
  }

  /** What field checks need to know about the schemas as a whole. */
  private record Context(Set<String> registered, Set<String> newTypeNames) {
    /**
     * A message or enum field may point to a renamed type (binary and JSON do not carry type
     * names), unless that type is registered or still exists: then it points somewhere else.
     */
    boolean typeRenamedHarmlessly(FieldDescriptorProto was, FieldDescriptorProto is) {
      String old = was.getTypeName().replaceFirst("^\\.", "");
      return was.getType() == is.getType()
          && !was.getTypeName().isEmpty()
          && !registered.contains(old)
          && !newTypeNames.contains(old);
    }
  }

  private static void collectTypeNames(FileDescriptorProto file, Set<String> out) {
    String prefix = file.getPackage().isEmpty() ? "" : file.getPackage() + ".";
    file.getMessageTypeList().forEach(m -> collectTypeNames(prefix + m.getName(), m, out));
    file.getEnumTypeList().forEach(e -> out.add(prefix + e.getName()));
  }

  private static void collectTypeNames(String name, DescriptorProto message, Set<String> out) {
    out.add(name);
    message.getNestedTypeList().forEach(n -> collectTypeNames(name + "." + n.getName(), n, out));
    message.getEnumTypeList().forEach(e -> out.add(name + "." + e.getName()));
  }

  private static void checkFields(
      String message,
      DescriptorProto old,
      DescriptorProto now,
      Context context,
      List<Violation> out) {
    Map<Integer, FieldDescriptorProto> nowByNumber = new LinkedHashMap<>();
    Map<String, FieldDescriptorProto> nowByName = new LinkedHashMap<>();
    for (FieldDescriptorProto f : now.getFieldList()) {
      nowByNumber.put(f.getNumber(), f);
      nowByName.put(f.getName(), f);
    }
    for (FieldDescriptorProto was : old.getFieldList()) {
      String element = message + "." + was.getName() + " (#" + was.getNumber() + ")";
      FieldDescriptorProto is = nowByNumber.get(was.getNumber());
      FieldDescriptorProto sameName = nowByName.get(was.getName());
      if (sameName != null && sameName.getNumber() != was.getNumber()) {
        out.add(
            new Violation(
                element,
                "field number changed",
                "now #"
                    + sameName.getNumber()
                    + "; old data carries #"
                    + was.getNumber()
                    + ". Keep the number; to replace the field, add a new one and reserve the old"));
        continue;
      }
      if (is == null) {
        boolean numberReserved = reserved(now.getReservedRangeList(), was.getNumber());
        boolean nameReserved = now.getReservedNameList().contains(was.getName());
        if (!numberReserved || !nameReserved) {
          out.add(
              new Violation(
                  element,
                  "field removed without reserving its "
                      + (numberReserved ? "name" : nameReserved ? "number" : "number and name"),
                  "add `reserved "
                      + was.getNumber()
                      + ";` and `reserved \""
                      + was.getName()
                      + "\";` so neither is reused"));
        }
        continue;
      }
      if (!is.getName().equals(was.getName())) {
        out.add(
            new Violation(
                element,
                "field renamed",
                "now '" + is.getName() + "'; JSON readers and writers use the name"));
      }
      boolean sameType =
          is.getType() == was.getType()
              && (is.getTypeName().equals(was.getTypeName())
                  || context.typeRenamedHarmlessly(was, is));
      if (!sameType) {
        out.add(
            new Violation(
                element,
                "field type changed",
                "from " + typeOf(was) + " to " + typeOf(is) + "; old data no longer reads"));
      }
      if (is.getLabel() != was.getLabel()) {
        out.add(
            new Violation(
                element,
                "field cardinality changed",
                "from " + cardinality(was) + " to " + cardinality(is)));
      }
    }
    for (FieldDescriptorProto f : now.getFieldList()) {
      if (reserved(old.getReservedRangeList(), f.getNumber())
          || old.getReservedNameList().contains(f.getName())) {
        out.add(
            new Violation(
                message + "." + f.getName() + " (#" + f.getNumber() + ")",
                "reserved number or name reused",
                "it was reserved because an earlier field used it; pick an unused number and name"));
      }
    }
    for (DescriptorProto nested : old.getNestedTypeList()) {
      now.getNestedTypeList().stream()
          .filter(n -> n.getName().equals(nested.getName()))
          .findFirst()
          .ifPresent(n -> checkFields(message + "." + nested.getName(), nested, n, context, out));
    }
  }

  private static void checkEnumValues(
      String enumName, EnumDescriptorProto old, EnumDescriptorProto now, List<Violation> out) {
    Map<String, EnumValueDescriptorProto> nowByName = new LinkedHashMap<>();
    now.getValueList().forEach(v -> nowByName.put(v.getName(), v));
    for (EnumValueDescriptorProto was : old.getValueList()) {
      String element = enumName + "." + was.getName() + " (" + was.getNumber() + ")";
      EnumValueDescriptorProto is = nowByName.get(was.getName());
      if (is == null) {
        boolean numberReserved = reservedEnum(now.getReservedRangeList(), was.getNumber());
        boolean nameReserved = now.getReservedNameList().contains(was.getName());
        if (!numberReserved || !nameReserved) {
          out.add(
              new Violation(
                  element,
                  "enum value removed",
                  "readers of old data lose it; keep it (deprecated) or reserve its number and"
                      + " name"));
        }
      } else if (is.getNumber() != was.getNumber()) {
        out.add(
            new Violation(
                element,
                "enum value renumbered",
                "now " + is.getNumber() + "; old data carries " + was.getNumber()));
      }
    }
    for (EnumValueDescriptorProto v : now.getValueList()) {
      if (reservedEnum(old.getReservedRangeList(), v.getNumber())
          || old.getReservedNameList().contains(v.getName())) {
        out.add(
            new Violation(
                enumName + "." + v.getName() + " (" + v.getNumber() + ")",
                "reserved number or name reused",
                "pick an unused number and name"));
      }
    }
  }

  private static void index(
      FileDescriptorSet set,
      Map<String, DescriptorProto> messages,
      Map<String, EnumDescriptorProto> enums) {
    for (FileDescriptorProto file : set.getFileList()) {
      String prefix = file.getPackage().isEmpty() ? "" : file.getPackage() + ".";
      file.getMessageTypeList()
          .forEach(m -> indexMessage(prefix + m.getName(), m, messages, enums));
      file.getEnumTypeList().forEach(e -> enums.put(prefix + e.getName(), e));
    }
  }

  private static void indexMessage(
      String name,
      DescriptorProto message,
      Map<String, DescriptorProto> messages,
      Map<String, EnumDescriptorProto> enums) {
    messages.put(name, message);
    message.getEnumTypeList().forEach(e -> enums.put(name + "." + e.getName(), e));
    // Nested messages are compared through their parent (checkFields); map entries included.
  }

  private static boolean reserved(List<ReservedRange> ranges, int number) {
    // Message reserved ranges are end-exclusive.
    return ranges.stream().anyMatch(r -> number >= r.getStart() && number < r.getEnd());
  }

  private static boolean reservedEnum(List<EnumReservedRange> ranges, int number) {
    // Enum reserved ranges are end-inclusive.
    return ranges.stream().anyMatch(r -> number >= r.getStart() && number <= r.getEnd());
  }

  private static String typeOf(FieldDescriptorProto f) {
    String type = f.getType().name().substring("TYPE_".length()).toLowerCase();
    return f.getTypeName().isEmpty() ? type : type + " " + f.getTypeName().replaceFirst("^\\.", "");
  }

  private static String cardinality(FieldDescriptorProto f) {
    return f.getLabel() == FieldDescriptorProto.Label.LABEL_REPEATED ? "repeated" : "singular";
  }

  /** The top-level message names of a set: the types AgentMQ registers. */
  static Set<String> topLevelMessages(FileDescriptorSet set) {
    return set.getFileList().stream()
        .flatMap(
            f ->
                f.getMessageTypeList().stream()
                    .map(m -> (f.getPackage().isEmpty() ? "" : f.getPackage() + ".") + m.getName()))
        .collect(Collectors.toSet());
  }
}
