package io.agentmq.serialization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.ListValue;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.agentmq.api.Headers;
import io.agentmq.api.NonRetryableException;
import io.agentmq.proto.v1.ChangeRequest;
import io.agentmq.proto.v1.Plan;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MessageCodecTest {
  private final MessageCodec codec = MessageCodec.create(Samples.registry());

  static Stream<Arguments> everyTypeAndCodec() {
    return Samples.all().stream()
        .flatMap(
            m ->
                Arrays.stream(ContentType.values())
                    .map(c -> Arguments.of(m.getDescriptorForType().getName(), c, m)));
  }

  private static io.agentmq.api.Message raw(String type, String contentType, byte[] payload) {
    io.agentmq.api.Message.Builder b = io.agentmq.api.Message.builder(payload);
    if (type != null) {
      b.header(Headers.TYPE, type);
    }
    if (contentType != null) {
      b.header(Headers.CONTENT_TYPE, contentType);
    }
    return b.build();
  }

  @ParameterizedTest(name = "{0} as {1}")
  @MethodSource("everyTypeAndCodec")
  @DisplayName("decodes what it encoded, for every message type and content type")
  void roundTrip(String name, ContentType contentType, Message original) {
    io.agentmq.api.Message encoded = codec.encodingAs(contentType).encode(original);

    assertThat(encoded.header(Headers.TYPE))
        .contains(original.getDescriptorForType().getFullName());
    assertThat(encoded.header(Headers.CONTENT_TYPE)).contains(contentType.header());
    assertThat(codec.decode(encoded)).isEqualTo(original);
    assertThat(codec.decode(encoded, original.getClass())).isEqualTo(original);
  }

  @Test
  @DisplayName("writes JSON people can read, and base64 that is plain text")
  void readableEncodings() {
    String json = codec.encodingAs(ContentType.JSON).encode(Samples.plan()).payloadAsText();
    String base64 = codec.encodingAs(ContentType.BASE64).encode(Samples.plan()).payloadAsText();

    assertThat(json).contains("\"requestId\":\"req-1\"", "\"complexity\":\"COMPLEXITY_LEVEL_LOW\"");
    assertThat(base64).matches("[A-Za-z0-9+/=]+");
  }

  @Test
  @DisplayName("reads JSON with proto field names and fields it does not know")
  void lenientJson() {
    byte[] json =
        "{\"request_id\": \"req-9\", \"added_later\": 5}".getBytes(StandardCharsets.UTF_8);

    Plan plan = codec.decode(raw("agentmq.v1.Plan", "application/json", json), Plan.class);

    assertThat(plan.getRequestId()).isEqualTo("req-9");
  }

  @Test
  @DisplayName("decodes bare protobuf bytes (no mq-type, no content type) as the expected type")
  void bareBytesAsExpectedType() {
    io.agentmq.api.Message bare = io.agentmq.api.Message.of(Samples.plan().toByteArray());

    assertThat(codec.decode(bare, Plan.class)).isEqualTo(Samples.plan());
  }

  @Test
  @DisplayName("reads application/protobuf, the registered name, as protobuf binary")
  void registeredProtobufName() {
    io.agentmq.api.Message m =
        raw(null, "application/protobuf", Samples.changeRequest().toByteArray());

    assertThat(codec.decode(m, ChangeRequest.class)).isEqualTo(Samples.changeRequest());
  }

  @Test
  @DisplayName("refuses to encode a type the registry does not hold")
  void unregisteredEncode() {
    assertThatThrownBy(() -> codec.encode(Struct.getDefaultInstance()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("google.protobuf.Struct is not registered");
  }

  @Nested
  @DisplayName("untrusted bytes become NonRetryableExceptions that name the problem")
  class Untrusted {

    @Test
    @DisplayName("garbage bytes")
    void garbage() {
      byte[] garbage = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F, 0x01};

      assertThatThrownBy(() -> codec.decode(raw("agentmq.v1.Plan", null, garbage)))
          .isInstanceOf(NonRetryableException.class)
          .hasMessageStartingWith("cannot decode agentmq.v1.Plan from application/x-protobuf: ");
    }

    @Test
    @DisplayName("truncated bytes")
    void truncated() {
      byte[] whole = Samples.changeRequest().toByteArray();
      byte[] cut = Arrays.copyOf(whole, whole.length / 2);

      assertThatThrownBy(() -> codec.decode(raw("agentmq.v1.ChangeRequest", null, cut)))
          .isInstanceOf(NonRetryableException.class)
          .hasMessageContaining("cannot decode agentmq.v1.ChangeRequest")
          .hasMessageContaining("input ended unexpectedly");
    }

    @Test
    @DisplayName("an unknown or missing mq-type")
    void unknownType() {
      byte[] bytes = Samples.plan().toByteArray();

      assertThatThrownBy(() -> codec.decode(raw("agentmq.v1.Nope", null, bytes)))
          .isInstanceOf(NonRetryableException.class)
          .hasMessageContaining("unknown mq-type 'agentmq.v1.Nope'")
          .hasMessageContaining("agentmq.v1.Plan");
      assertThatThrownBy(() -> codec.decode(raw(null, null, bytes)))
          .isInstanceOf(NonRetryableException.class)
          .hasMessageContaining("names no type (mq-type header, or RabbitMQ's type property)");
    }

    @Test
    @DisplayName("a message naming no type, for a handler of several types")
    void noTypeSeveralAccepted() {
      io.agentmq.api.Message bare = io.agentmq.api.Message.of(Samples.plan().toByteArray());

      assertThatThrownBy(
              () ->
                  codec.decodeExpecting(
                      bare, Message.class, java.util.List.of(Plan.class, ChangeRequest.class)))
          .isInstanceOf(NonRetryableException.class)
          .hasMessageContaining("accepts several")
          .hasMessageContaining("io.agentmq.proto.v1.ChangeRequest, io.agentmq.proto.v1.Plan");
    }

    @Test
    @DisplayName("a type other than the handler's")
    void wrongType() {
      io.agentmq.api.Message plan = codec.encode(Samples.plan());

      assertThatThrownBy(() -> codec.decode(plan, ChangeRequest.class))
          .isInstanceOf(NonRetryableException.class)
          .hasMessageContaining("expected a io.agentmq.proto.v1.ChangeRequest")
          .hasMessageContaining("mq-type says agentmq.v1.Plan");
    }

    @Test
    @DisplayName("JSON that does not parse, or is not UTF-8")
    void badJson() {
      byte[] broken = "{\"requestId\": ".getBytes(StandardCharsets.UTF_8);
      byte[] notUtf8 = {'{', (byte) 0xC3, (byte) 0x28, '}'};

      assertThatThrownBy(() -> codec.decode(raw("agentmq.v1.Plan", "application/json", broken)))
          .isInstanceOf(NonRetryableException.class)
          .hasMessageStartingWith("cannot decode agentmq.v1.Plan from application/json: ");
      assertThatThrownBy(() -> codec.decode(raw("agentmq.v1.Plan", "application/json", notUtf8)))
          .isInstanceOf(NonRetryableException.class)
          .hasMessageContaining("not valid UTF-8");
    }

    @Test
    @DisplayName("base64 that is not base64, and an unsupported content type")
    void badBase64AndContentType() {
      byte[] notBase64 = "@@@@".getBytes(StandardCharsets.UTF_8);

      assertThatThrownBy(() -> codec.decode(raw("agentmq.v1.Plan", "text/base64", notBase64)))
          .isInstanceOf(NonRetryableException.class)
          .hasMessageContaining("not valid base64");
      assertThatThrownBy(() -> codec.decode(raw("agentmq.v1.Plan", "application/xml", new byte[0])))
          .isInstanceOf(NonRetryableException.class)
          .hasMessageContaining("unsupported mq-content-type 'application/xml'")
          .hasMessageContaining("accepted: application/x-protobuf, application/json, text/base64");
    }

    @Test
    @DisplayName("nesting deeper than the limit, in binary and in JSON")
    void tooDeep() {
      MessageCodec structs =
          MessageCodec.create(
              TypeRegistry.empty().register(Value.class),
              ContentType.PROTOBUF,
              new DecodeLimits(1 << 20, 20));
      Value deep = Value.newBuilder().setStringValue("leaf").build();
      for (int i = 0; i < 30; i++) {
        deep = Value.newBuilder().setListValue(ListValue.newBuilder().addValues(deep)).build();
      }
      io.agentmq.api.Message binary = structs.encode(deep);
      String json = "[".repeat(50) + "]".repeat(50);

      assertThatThrownBy(() -> structs.decode(binary))
          .isInstanceOf(NonRetryableException.class)
          .hasMessageContaining("cannot decode google.protobuf.Value")
          .hasMessageContaining("too many levels of nesting");
      assertThatThrownBy(
              () ->
                  structs.decode(
                      raw(
                          "google.protobuf.Value",
                          "application/json",
                          json.getBytes(StandardCharsets.UTF_8))))
          .isInstanceOf(NonRetryableException.class)
          .hasMessageContaining("nested 50 levels deep, over the limit of 40 JSON levels");
      Value shallow =
          Value.newBuilder()
              .setListValue(ListValue.newBuilder().addValues(Value.newBuilder().setNumberValue(1)))
              .build();
      assertThat(structs.decode(structs.encode(shallow))).isEqualTo(shallow);
    }

    @Test
    @DisplayName("a payload over the size limit, raw or base64")
    void oversize() {
      MessageCodec small =
          MessageCodec.create(Samples.registry(), ContentType.PROTOBUF, new DecodeLimits(100, 64));
      io.agentmq.api.Message big = codec.encode(Samples.changeRequest());
      io.agentmq.api.Message bigBase64 =
          codec.encodingAs(ContentType.BASE64).encode(Samples.changeRequest());

      assertThatThrownBy(() -> small.decode(big))
          .isInstanceOf(NonRetryableException.class)
          .hasMessageContaining("over the decode limit of 100 bytes");
      assertThatThrownBy(() -> small.decode(bigBase64))
          .isInstanceOf(NonRetryableException.class)
          .hasMessageContaining("over the decode limit of 100 bytes");
    }
  }

  @Nested
  @DisplayName("type registry")
  class Registry {

    @Test
    @DisplayName("holds every agentmq.v1 message, decoded to its generated class")
    void agentMqTypes() {
      assertThat(Samples.registry().names())
          .contains(
              "agentmq.v1.ChangeRequest",
              "agentmq.v1.Plan",
              "agentmq.v1.CodingTask",
              "agentmq.v1.BuildReport",
              "agentmq.v1.CommitResult",
              "agentmq.v1.Metadata");
      assertThat(Samples.registry().find("agentmq.v1.Plan").orElseThrow()).isInstanceOf(Plan.class);
    }

    @Test
    @DisplayName("decodes a type registered from a file descriptor without a generated class")
    void dynamicType() throws Exception {
      FileDescriptor file =
          FileDescriptor.buildFrom(
              FileDescriptorProto.newBuilder()
                  .setName("ext.proto")
                  .setPackage("ext")
                  .setSyntax("proto3")
                  .addMessageType(
                      DescriptorProto.newBuilder()
                          .setName("Ping")
                          .addField(
                              FieldDescriptorProto.newBuilder()
                                  .setName("note")
                                  .setNumber(1)
                                  .setType(FieldDescriptorProto.Type.TYPE_STRING)))
                  .build(),
              new FileDescriptor[0]);
      MessageCodec dynamic =
          MessageCodec.create(
              TypeRegistry.empty().register(file), ContentType.JSON, DecodeLimits.DEFAULT);
      DynamicMessage ping =
          DynamicMessage.newBuilder(file.findMessageTypeByName("Ping"))
              .setField(file.findMessageTypeByName("Ping").findFieldByName("note"), "hi")
              .build();

      Message decoded = dynamic.decode(dynamic.encode(ping));

      assertThat(decoded).isInstanceOf(DynamicMessage.class).isEqualTo(ping);
      assertThat(decoded.toString()).contains("note: \"hi\"");
    }
  }
}
