package io.agentmq.agents;

import io.agentmq.proto.v1.ChangeRequest;
import io.agentmq.proto.v1.FileDelta;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevCommit;

/**
 * A real git repository in a temporary directory, and change requests for it. Public for the coding
 * agent's tests in {@code io.agentmq.agents.coding}.
 */
public final class TestRepository {
  public static final String README = "# service\n\nline one\nline two\nline three\n";

  private TestRepository() {}

  public static Path create(Path dir) throws Exception {
    Files.createDirectories(dir);
    try (Git git = Git.init().setDirectory(dir.toFile()).setInitialBranch("main").call()) {
      Files.writeString(dir.resolve("README.md"), README, StandardCharsets.UTF_8);
      git.add().addFilepattern("README.md").call();
      PersonIdent who = new PersonIdent("test", "test@agentmq.invalid");
      git.commit().setMessage("initial").setAuthor(who).setCommitter(who).setSign(false).call();
    }
    return dir;
  }

  /** Two steps, each adding a file of its own: {@code notes/<i>.md} then {@code checks/<i>.txt}. */
  public static ChangeRequest twoFiles(Path repo, String branch, String tag) {
    return ChangeRequest.newBuilder()
        .setDescriptionMd(
            "Request " + tag + "\n- add `notes/" + tag + ".md`\n- add `checks/" + tag + ".txt`\n")
        .setRepo(repo.toString())
        .setBranch(branch)
        .addFileDeltas(add("notes/" + tag + ".md", "# " + tag + "\n"))
        .addFileDeltas(add("checks/" + tag + ".txt", "checked " + tag + "\n"))
        .build();
  }

  public static FileDelta add(String path, String content) {
    return FileDelta.newBuilder()
        .setPath(path)
        .setOperation(FileDelta.Operation.OPERATION_ADD)
        .setNewContent(content)
        .build();
  }

  public static FileDelta modify(String path, String diff) {
    return FileDelta.newBuilder()
        .setPath(path)
        .setOperation(FileDelta.Operation.OPERATION_MODIFY)
        .setUnifiedDiff(diff)
        .build();
  }

  /** The commit {@code sha}. */
  public static RevCommit commit(Path repo, String sha) throws Exception {
    try (Git git = Git.open(repo.toFile());
        org.eclipse.jgit.revwalk.RevWalk walk =
            new org.eclipse.jgit.revwalk.RevWalk(git.getRepository())) {
      return walk.parseCommit(ObjectId.fromString(sha));
    }
  }

  /** Whether commit {@code ancestor} is reachable from {@code descendant}. */
  public static boolean isAncestor(Path repo, String ancestor, String descendant) throws Exception {
    try (Git git = Git.open(repo.toFile());
        org.eclipse.jgit.revwalk.RevWalk walk =
            new org.eclipse.jgit.revwalk.RevWalk(git.getRepository())) {
      return walk.isMergedInto(
          walk.parseCommit(ObjectId.fromString(ancestor)),
          walk.parseCommit(ObjectId.fromString(descendant)));
    }
  }

  /** The messages of every commit on {@code branch}, newest first. */
  public static List<String> messages(Path repo, String branch) throws Exception {
    List<String> out = new ArrayList<>();
    try (Git git = Git.open(repo.toFile())) {
      for (RevCommit c : git.log().add(git.getRepository().resolve(branch)).call()) {
        out.add(c.getFullMessage());
      }
    }
    return out;
  }
}
