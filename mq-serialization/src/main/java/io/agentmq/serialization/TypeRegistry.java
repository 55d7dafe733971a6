package io.agentmq.serialization;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The message types a codec can decode, by protobuf full name (the {@code mq-type} header).
 * Thread-safe.
 *
 * <p>A type registered by class decodes to that class; a type registered through a file descriptor
 * decodes to its generated class when one is on the class path, else to a {@link DynamicMessage}.
 */
public final class TypeRegistry {
  private final Map<String, Message> prototypes = new ConcurrentHashMap<>();

  /** An empty registry. */
  public static TypeRegistry empty() {
    return new TypeRegistry();
  }

  /** A registry holding every top-level message of {@code files}, e.g. an application's schemas. */
  public static TypeRegistry of(Iterable<FileDescriptor> files) {
    TypeRegistry registry = new TypeRegistry();
    files.forEach(registry::register);
    return registry;
  }

  /** Registers a generated message class. */
  public <T extends Message> TypeRegistry register(Class<T> type) {
    try {
      Message prototype = (Message) type.getMethod("getDefaultInstance").invoke(null);
      return register(prototype);
    } catch (ReflectiveOperationException e) {
      throw new IllegalArgumentException(
          type.getName() + " is not a generated protobuf message (no getDefaultInstance())", e);
    }
  }

  /** Registers a message type by its default instance (generated or dynamic). */
  public TypeRegistry register(Message prototype) {
    prototypes.put(
        prototype.getDescriptorForType().getFullName(), prototype.getDefaultInstanceForType());
    return this;
  }

  /** Registers every top-level message of a schema file. */
  public TypeRegistry register(FileDescriptor file) {
    for (Descriptor type : file.getMessageTypes()) {
      register(generatedPrototype(type).orElseGet(() -> DynamicMessage.getDefaultInstance(type)));
    }
    return this;
  }

  /** The default instance of the type named {@code fullName}, if registered. */
  public Optional<Message> find(String fullName) {
    return Optional.ofNullable(prototypes.get(fullName));
  }

  public Set<String> names() {
    return new TreeSet<>(prototypes.keySet());
  }

  /** The generated class of a descriptor, found through the file's java options. */
  private static Optional<Message> generatedPrototype(Descriptor type) {
    FileDescriptor file = type.getFile();
    var options = file.getOptions();
    String pkg = options.hasJavaPackage() ? options.getJavaPackage() : file.getPackage();
    String prefix = pkg.isEmpty() ? "" : pkg + ".";
    String className =
        options.getJavaMultipleFiles()
            ? prefix + type.getName()
            : prefix + outerClassName(file) + "$" + type.getName();
    try {
      Class<?> generated = Class.forName(className, true, TypeRegistry.class.getClassLoader());
      Message prototype = (Message) generated.getMethod("getDefaultInstance").invoke(null);
      return prototype.getDescriptorForType() == type ? Optional.of(prototype) : Optional.empty();
    } catch (ReflectiveOperationException | ClassCastException | LinkageError e) {
      return Optional.empty();
    }
  }

  private static String outerClassName(FileDescriptor file) {
    if (file.getOptions().hasJavaOuterClassname()) {
      return file.getOptions().getJavaOuterClassname();
    }
    String base = file.getName().replaceAll(".*/", "").replaceAll("\\.proto$", "");
    StringBuilder camel = new StringBuilder();
    boolean upper = true;
    for (char c : base.toCharArray()) {
      if (c == '_' || c == '-' || c == ' ') {
        upper = true;
      } else {
        camel.append(upper ? Character.toUpperCase(c) : c);
        upper = Character.isDigit(c);
      }
    }
    return camel.toString();
  }
}
