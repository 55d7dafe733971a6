package io.agentmq.api.crypto;

import io.agentmq.api.ConfigSection;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * Reads keys for a {@link KeyRing}: key files ({@code <key id>.key}, the base64 of 32 bytes) and
 * PKCS12 key stores (secret-key entries, aliases as key ids). Each problem is added to the {@link
 * ConfigSection} naming the setting, its source and the file, never a key or a password.
 */
final class KeySources {
  static final String KEY_FILE_SUFFIX = ".key";

  private KeySources() {}

  /**
   * Adds the keys of {@code setting}: a directory (its {@code *.key} files) or a comma-separated
   * list of {@code .key} files.
   */
  static void readKeyFiles(
      ConfigSection config, String setting, String value, Map<String, SecretKey> keys) {
    for (String entry : value.split(",")) {
      if (entry.isBlank()) {
        continue;
      }
      Path path = Path.of(entry.trim());
      if (Files.isDirectory(path)) {
        List<Path> files = keyFilesIn(config, setting, path);
        if (files.isEmpty()) {
          config.addProblem(
              where(config, setting)
                  + ": directory '"
                  + path
                  + "' holds no <key id>"
                  + KEY_FILE_SUFFIX
                  + " file");
        }
        files.forEach(file -> readKeyFile(config, setting, file, keys));
      } else {
        readKeyFile(config, setting, path, keys);
      }
    }
  }

  private static List<Path> keyFilesIn(ConfigSection config, String setting, Path dir) {
    try (Stream<Path> listing = Files.list(dir)) {
      List<Path> files =
          new ArrayList<>(
              listing.filter(p -> p.getFileName().toString().endsWith(KEY_FILE_SUFFIX)).toList());
      Collections.sort(files);
      return files;
    } catch (IOException e) {
      config.addProblem(
          where(config, setting) + ": cannot list directory '" + dir + "': " + describe(e));
      return List.of();
    }
  }

  private static void readKeyFile(
      ConfigSection config, String setting, Path file, Map<String, SecretKey> keys) {
    String name = file.getFileName() == null ? "" : file.getFileName().toString();
    String id =
        name.endsWith(KEY_FILE_SUFFIX)
            ? name.substring(0, name.length() - KEY_FILE_SUFFIX.length())
            : "";
    if (!KeyRing.isValidKeyId(id)) {
      config.addProblem(
          where(config, setting)
              + ": '"
              + file
              + "' is not named <key id>"
              + KEY_FILE_SUFFIX
              + ", where a key id is "
              + KeyRing.KEY_ID_RULE);
      return;
    }
    byte[] text;
    try {
      text = Files.readAllBytes(file);
    } catch (IOException e) {
      config.addProblem(
          where(config, setting) + ": cannot read key file '" + file + "': " + describe(e));
      return;
    }
    byte[] base64 = trimmed(text);
    byte[] raw = null;
    try {
      raw = Base64.getDecoder().decode(base64);
      if (raw.length != KeyRing.KEY_BYTES) {
        config.addProblem(
            where(config, setting)
                + ": key file '"
                + file
                + "' decodes to "
                + raw.length
                + " bytes; expected the base64 of "
                + KeyRing.KEY_BYTES
                + " random bytes (e.g. openssl rand -base64 32)");
        return;
      }
      put(config, setting, id, new SecretKeySpec(raw, "AES"), "'" + file + "'", keys);
    } catch (IllegalArgumentException e) {
      config.addProblem(
          where(config, setting)
              + ": key file '"
              + file
              + "' is not base64; expected the base64 of "
              + KeyRing.KEY_BYTES
              + " random bytes (e.g. openssl rand -base64 32)");
    } finally {
      Arrays.fill(text, (byte) 0);
      Arrays.fill(base64, (byte) 0);
      if (raw != null) {
        Arrays.fill(raw, (byte) 0);
      }
    }
  }

  /** {@code text} without leading and trailing whitespace (a key file may end in a newline). */
  private static byte[] trimmed(byte[] text) {
    int from = 0;
    int to = text.length;
    while (from < to && Character.isWhitespace(text[from])) {
      from++;
    }
    while (to > from && Character.isWhitespace(text[to - 1])) {
      to--;
    }
    return from == 0 && to == text.length ? text : Arrays.copyOfRange(text, from, to);
  }

  /** Adds the secret-key entries of a PKCS12 key store, each under its alias. */
  static void readKeyStore(
      ConfigSection config,
      String setting,
      Path path,
      char[] password,
      Map<String, SecretKey> keys) {
    KeyStore store;
    try (InputStream in = Files.newInputStream(path)) {
      store = KeyStore.getInstance("PKCS12");
      store.load(in, password);
    } catch (IOException | GeneralSecurityException e) {
      config.addProblem(
          where(config, setting)
              + ": cannot open PKCS12 key store '"
              + path
              + "' (a wrong password, or not a PKCS12 file): "
              + describe(e));
      return;
    }
    try {
      for (String alias : Collections.list(store.aliases())) {
        if (!store.entryInstanceOf(alias, KeyStore.SecretKeyEntry.class)) {
          config.addProblem(
              where(config, setting)
                  + ": entry '"
                  + alias
                  + "' of '"
                  + path
                  + "' is not a secret key; expected AES-256 secret keys only (keytool -genseckey"
                  + " -keyalg AES -keysize 256 -storetype PKCS12)");
          continue;
        }
        if (!KeyRing.isValidKeyId(alias)) {
          config.addProblem(
              where(config, setting)
                  + ": alias '"
                  + alias
                  + "' of '"
                  + path
                  + "' is not a key id; a key id is "
                  + KeyRing.KEY_ID_RULE);
          continue;
        }
        SecretKey key =
            ((KeyStore.SecretKeyEntry)
                    store.getEntry(alias, new KeyStore.PasswordProtection(password)))
                .getSecretKey();
        put(config, setting, alias, key, "alias '" + alias + "' of '" + path + "'", keys);
      }
    } catch (GeneralSecurityException e) {
      config.addProblem(
          where(config, setting)
              + ": cannot read the entries of '"
              + path
              + "' with its store password: "
              + describe(e));
    }
  }

  /** The first line of a password file, without its line end. */
  static char[] readPassword(ConfigSection config, String setting, Path file) {
    try {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      int end = text.indexOf('\n');
      String line = end < 0 ? text : text.substring(0, end);
      return (line.endsWith("\r") ? line.substring(0, line.length() - 1) : line).toCharArray();
    } catch (IOException e) {
      config.addProblem(
          where(config, setting) + ": cannot read password file '" + file + "': " + describe(e));
      return null;
    }
  }

  private static void put(
      ConfigSection config,
      String setting,
      String id,
      SecretKey key,
      String from,
      Map<String, SecretKey> keys) {
    String problem = checkKey(id, key);
    if (problem != null) {
      config.addProblem(where(config, setting) + ": " + from + ": " + problem);
    } else if (keys.putIfAbsent(id, key) != null) {
      config.addProblem(
          where(config, setting)
              + ": key id '"
              + id
              + "' of "
              + from
              + " is given twice; each key id names one key");
    }
  }

  private static String checkKey(String id, SecretKey key) {
    try {
      KeyRing.of(id, Map.of(id, key));
      return null;
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }

  private static String where(ConfigSection config, String setting) {
    return "'" + setting + "' (" + config.sourceOf(setting) + ")";
  }

  /** An I/O or security failure in words that hold no file content: its class and message. */
  private static String describe(Exception e) {
    return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
  }
}
