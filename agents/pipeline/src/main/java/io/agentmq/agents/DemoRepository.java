package io.agentmq.agents;

import io.agentmq.proto.v1.ChangeRequest;
import io.agentmq.proto.v1.FileDelta;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.diff.DiffEntry;
import org.eclipse.jgit.diff.DiffFormatter;
import org.eclipse.jgit.diff.Edit;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.util.io.DisabledOutputStream;

/** The throwaway repository of the demo, its change requests, and {@code git log --stat}. */
public final class DemoRepository {
  static final String README =
      "# demo service\n\nA small service the agents change.\n\n## Endpoints\n\n- `/` says hello\n";

  private DemoRepository() {}

  /** A new repository in {@code dir} with one commit holding {@code README.md}. */
  public static Path create(Path dir) throws IOException, GitAPIException {
    Files.createDirectories(dir);
    try (Git git = Git.init().setDirectory(dir.toFile()).setInitialBranch("main").call()) {
      Files.writeString(dir.resolve("README.md"), README, StandardCharsets.UTF_8);
      git.add().addFilepattern("README.md").call();
      PersonIdent who = new PersonIdent("AgentMQ demo", "demo@agentmq.invalid");
      git.commit()
          .setMessage("Initial commit")
          .setAuthor(who)
          .setCommitter(who)
          .setSign(false)
          .call();
    }
    return dir;
  }

  /** The demo's change request: a new endpoint, documented through a unified diff. */
  public static ChangeRequest healthRequest(Path repo) {
    return ChangeRequest.newBuilder()
        .setDescriptionMd(
            "Add a health endpoint\n\n"
                + "- add `src/Health.java` answering /health\n"
                + "- document the endpoint in `README.md`\n")
        .setRepo(repo.toUri().toString())
        .setBranch("agentmq/health-endpoint")
        .setRequestedBy("agentmq demo")
        .addFileDeltas(
            FileDelta.newBuilder()
                .setPath("src/Health.java")
                .setOperation(FileDelta.Operation.OPERATION_ADD)
                .setNewContent(
                    "final class Health {\n"
                        + "  /** Answers GET /health. */\n"
                        + "  static String handle() {\n"
                        + "    return \"{\\\"status\\\":\\\"UP\\\"}\";\n"
                        + "  }\n"
                        + "}\n"))
        .addFileDeltas(
            FileDelta.newBuilder()
                .setPath("README.md")
                .setOperation(FileDelta.Operation.OPERATION_MODIFY)
                .setUnifiedDiff(
                    "--- a/README.md\n+++ b/README.md\n@@ -5,3 +5,4 @@\n"
                        + " ## Endpoints\n \n - `/` says hello\n+- `/health` reports UP\n"))
        .build();
  }

  /** Request {@code i} of a load run: two steps, each adding its own file. */
  public static ChangeRequest loadRequest(Path repo, String branch, int i) {
    String note = "notes/request-" + i + ".md";
    String check = "checks/request-" + i + ".txt";
    return ChangeRequest.newBuilder()
        .setDescriptionMd("Request " + i + "\n- add `" + note + "`\n- add `" + check + "`\n")
        .setRepo(repo.toUri().toString())
        .setBranch(branch)
        .setRequestedBy("agentmq demo --requests")
        .addFileDeltas(
            FileDelta.newBuilder()
                .setPath(note)
                .setOperation(FileDelta.Operation.OPERATION_ADD)
                .setNewContent("# request " + i + "\n"))
        .addFileDeltas(
            FileDelta.newBuilder()
                .setPath(check)
                .setOperation(FileDelta.Operation.OPERATION_ADD)
                .setNewContent("checked " + i + "\n"))
        .build();
  }

  /** {@code git log --stat} of the given commits, newest first. */
  public static String logStat(Path dir, List<String> shas) throws IOException {
    StringBuilder out = new StringBuilder();
    DateTimeFormatter date = DateTimeFormatter.ofPattern("EEE MMM d HH:mm:ss yyyy Z", Locale.ROOT);
    try (Git git = Git.open(dir.toFile());
        RevWalk walk = new RevWalk(git.getRepository());
        DiffFormatter diff = new DiffFormatter(DisabledOutputStream.INSTANCE)) {
      Repository repo = git.getRepository();
      diff.setRepository(repo);
      for (int i = shas.size() - 1; i >= 0; i--) {
        RevCommit c = walk.parseCommit(ObjectId.fromString(shas.get(i)));
        PersonIdent a = c.getAuthorIdent();
        out.append("commit ").append(c.getName()).append('\n');
        out.append("Author: ")
            .append(a.getName())
            .append(" <")
            .append(a.getEmailAddress())
            .append(">\n");
        out.append("Date:   ")
            .append(date.format(a.getWhenAsInstant().atZone(a.getZoneId())))
            .append("\n\n");
        c.getFullMessage().strip().lines().forEach(l -> out.append("    ").append(l).append('\n'));
        out.append('\n');
        RevCommit parent = c.getParentCount() > 0 ? walk.parseCommit(c.getParent(0)) : null;
        int files = 0;
        int added = 0;
        int removed = 0;
        for (DiffEntry e : diff.scan(parent == null ? null : parent.getTree(), c.getTree())) {
          int plus = 0;
          int minus = 0;
          for (Edit edit : diff.toFileHeader(e).toEditList()) {
            plus += edit.getLengthB();
            minus += edit.getLengthA();
          }
          String path =
              e.getChangeType() == DiffEntry.ChangeType.DELETE ? e.getOldPath() : e.getNewPath();
          out.append(
              String.format(
                  Locale.ROOT,
                  " %-30s | %3d %s%s%n",
                  path,
                  plus + minus,
                  "+".repeat(Math.min(plus, 40)),
                  "-".repeat(Math.min(minus, 40))));
          files++;
          added += plus;
          removed += minus;
        }
        out.append(
            String.format(
                Locale.ROOT,
                " %d file(s) changed, %d insertion(s)(+), %d deletion(s)(-)%n%n",
                files,
                added,
                removed));
      }
    }
    return out.toString();
  }
}
