package io.agentmq.agents.coding;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmq.agents.TestRepository;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the applier writes files, now that each is replaced in one step. */
class DeltaApplierTest {
  @TempDir Path tmp;

  @Test
  @DisplayName(
      "a diff replaces a file in one step yet keeps its permissions and CR-LF line ends, and"
          + " leaves no temporary file")
  void diffKeepsModeAndLineEnds() throws Exception {
    Path repo = TestRepository.create(tmp.resolve("repo"));
    Path script = repo.resolve("run.sh");
    Files.writeString(script, "#!/bin/sh\r\necho one\r\necho two\r\n", StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-x---"));

    try (Git git = Git.open(repo.toFile())) {
      new DeltaApplier(git, repo)
          .apply(
              List.of(
                  TestRepository.modify(
                      "run.sh", "@@ -2,2 +2,2 @@\n echo one\n-echo two\n+echo 2\n")));
    }

    assertThat(Files.readString(script)).isEqualTo("#!/bin/sh\r\necho one\r\necho 2\r\n");
    assertThat(Files.getPosixFilePermissions(script))
        .contains(PosixFilePermission.OWNER_EXECUTE)
        .isEqualTo(PosixFilePermissions.fromString("rwxr-x---"));
    assertThat(AtomicFiles.temporaryOf(script)).doesNotExist();
  }
}
