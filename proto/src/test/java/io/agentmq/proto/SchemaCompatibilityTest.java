package io.agentmq.proto;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.TextFormat;
import io.agentmq.proto.SchemaCompatibility.Violation;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Each rule of the schema-evolution check, proved on crafted variants of a small schema. */
class SchemaCompatibilityTest {

  /** A schema in text form: a message t.Order with fields, a nested Line, an enum t.Color. */
  private static final String BASE =
      """
      file {
        name: "t.proto" package: "t" syntax: "proto3"
        message_type {
          name: "Order"
          field { name: "id" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
          field { name: "count" number: 2 label: LABEL_OPTIONAL type: TYPE_INT32 }
          field { name: "tags" number: 3 label: LABEL_REPEATED type: TYPE_STRING }
          field { name: "color" number: 4 label: LABEL_OPTIONAL type: TYPE_ENUM type_name: ".t.Color" }
          field { name: "lines" number: 5 label: LABEL_REPEATED type: TYPE_MESSAGE type_name: ".t.Order.Line" }
          nested_type {
            name: "Line"
            field { name: "sku" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
          }
          reserved_range { start: 9 end: 10 }
          reserved_name: "legacy"
        }
        enum_type {
          name: "Color"
          value { name: "COLOR_UNSPECIFIED" number: 0 }
          value { name: "COLOR_RED" number: 1 }
          value { name: "COLOR_BLUE" number: 2 }
          reserved_range { start: 7 end: 7 }
        }
      }
      """;

  private static FileDescriptorSet parse(String text) {
    try {
      FileDescriptorSet.Builder b = FileDescriptorSet.newBuilder();
      TextFormat.merge(text, b);
      return b.build();
    } catch (TextFormat.ParseException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** Checks BASE against BASE with {@code from} replaced by {@code to}. */
  private static List<Violation> change(String from, String to) {
    assertThat(BASE).contains(from);
    return SchemaCompatibility.check(parse(BASE), parse(BASE.replace(from, to)), Set.of("t.Order"));
  }

  private static final String COUNT =
      "field { name: \"count\" number: 2 label: LABEL_OPTIONAL type: TYPE_INT32 }";

  @Test
  @DisplayName("passes an unchanged schema")
  void unchanged() {
    assertThat(change("", "")).isEmpty();
  }

  @Test
  @DisplayName("passes added fields and added enum values")
  void additionsPass() {
    assertThat(
            change(
                COUNT,
                COUNT
                    + " field { name: \"note\" number: 6 label: LABEL_OPTIONAL type: TYPE_STRING }"))
        .isEmpty();
    assertThat(
            change(
                "value { name: \"COLOR_BLUE\" number: 2 }",
                "value { name: \"COLOR_BLUE\" number: 2 } value { name: \"COLOR_GREEN\" number: 3 }"))
        .isEmpty();
  }

  @Test
  @DisplayName("flags a removed field whose number and name are not reserved")
  void removedField() {
    assertThat(change(COUNT, ""))
        .singleElement()
        .hasToString(
            "t.Order.count (#2): field removed without reserving its number and name — add"
                + " `reserved 2;` and `reserved \"count\";` so neither is reused");
  }

  @Test
  @DisplayName("passes a removed field whose number and name are reserved, flags half-reserved")
  void removedReservedField() {
    String reservedBoth = "reserved_range { start: 2 end: 3 } reserved_name: \"count\"";
    assertThat(change(COUNT, reservedBoth)).isEmpty();
    assertThat(change(COUNT, "reserved_range { start: 2 end: 3 }"))
        .singleElement()
        .extracting(Violation::rule)
        .isEqualTo("field removed without reserving its name");
  }

  @Test
  @DisplayName("flags a changed field number")
  void changedNumber() {
    assertThat(change("name: \"count\" number: 2", "name: \"count\" number: 7"))
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.element()).isEqualTo("t.Order.count (#2)");
              assertThat(v.rule()).isEqualTo("field number changed");
            });
  }

  @Test
  @DisplayName("flags a changed field type, scalar or message")
  void changedType() {
    assertThat(
            change(
                "number: 2 label: LABEL_OPTIONAL type: TYPE_INT32",
                "number: 2 label: LABEL_OPTIONAL type: TYPE_STRING"))
        .singleElement()
        .hasToString(
            "t.Order.count (#2): field type changed — from int32 to string; old data no longer"
                + " reads");
    assertThat(change("type_name: \".t.Order.Line\"", "type_name: \".t.Order\""))
        .singleElement()
        .extracting(Violation::rule)
        .isEqualTo("field type changed");
  }

  @Test
  @DisplayName("flags a changed cardinality")
  void changedCardinality() {
    assertThat(change("number: 3 label: LABEL_REPEATED", "number: 3 label: LABEL_OPTIONAL"))
        .singleElement()
        .hasToString("t.Order.tags (#3): field cardinality changed — from repeated to singular");
  }

  @Test
  @DisplayName("flags a reserved number or name used again")
  void reusedReserved() {
    assertThat(
            change(
                COUNT,
                COUNT
                    + " field { name: \"extra\" number: 9 label: LABEL_OPTIONAL type: TYPE_STRING }"))
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.element()).isEqualTo("t.Order.extra (#9)");
              assertThat(v.rule()).isEqualTo("reserved number or name reused");
            });
    assertThat(
            change(
                COUNT,
                COUNT
                    + " field { name: \"legacy\" number: 8 label: LABEL_OPTIONAL type: TYPE_STRING }"))
        .extracting(Violation::rule)
        .containsExactly("reserved number or name reused");
  }

  @Test
  @DisplayName("flags a removed or renumbered enum value, and a reused reserved enum number")
  void enumValues() {
    assertThat(change("value { name: \"COLOR_BLUE\" number: 2 }", ""))
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.element()).isEqualTo("t.Color.COLOR_BLUE (2)");
              assertThat(v.rule()).isEqualTo("enum value removed");
            });
    assertThat(change("name: \"COLOR_BLUE\" number: 2", "name: \"COLOR_BLUE\" number: 5"))
        .singleElement()
        .extracting(Violation::rule)
        .isEqualTo("enum value renumbered");
    assertThat(
            change(
                "value { name: \"COLOR_BLUE\" number: 2 }",
                "value { name: \"COLOR_BLUE\" number: 2 } value { name: \"COLOR_PINK\" number: 7 }"))
        .singleElement()
        .extracting(Violation::rule)
        .isEqualTo("reserved number or name reused");
  }

  @Test
  @DisplayName("flags a registered message that was renamed, not a renamed nested one")
  void renamedMessage() {
    assertThat(change("name: \"Order\"", "name: \"Purchase\""))
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.element()).isEqualTo("t.Order");
              assertThat(v.rule()).isEqualTo("registered message removed or renamed");
            });
    assertThat(
            SchemaCompatibility.check(
                parse(BASE), parse(BASE.replace("Line", "Item")), Set.of("t.Order")))
        .isEmpty();
  }

  @Test
  @DisplayName("flags a renamed field, which breaks JSON")
  void renamedField() {
    assertThat(change("name: \"count\"", "name: \"quantity\""))
        .singleElement()
        .hasToString(
            "t.Order.count (#2): field renamed — now 'quantity'; JSON readers and writers use the"
                + " name");
  }
}
