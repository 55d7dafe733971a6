package io.agentmq.agents.cli;

import io.agentmq.api.MessagingException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The {@code agentmq} command line. */
@Command(
    name = "agentmq",
    mixinStandardHelpOptions = true,
    versionProvider = AgentMqCommand.Version.class,
    description = "The AgentMQ agent pipeline and messaging tools.",
    subcommands = {
      DemoCommand.class,
      RunCommand.class,
      SubmitCommand.class,
      TopicsCommand.class,
      HealthCommand.class,
      SendCommand.class,
      TailCommand.class,
      DlqCommand.class,
      ConsoleCommand.class,
      CommandLine.HelpCommand.class
    })
public final class AgentMqCommand implements Runnable {
  @Spec CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The command line with AgentMQ's error handling: one line for what went wrong, exit code 2. */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new AgentMqCommand());
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          Throwable cause = e;
          while (cause instanceof ExecutionException || cause instanceof CompletionException) {
            cause = cause.getCause() == null ? cause : cause.getCause();
            if (cause == e) {
              break;
            }
          }
          String message = oneLine(cause);
          if (message == null) {
            throw e;
          }
          PrintWriter err = commandLine.getErr();
          err.println("agentmq " + commandLine.getCommandName() + ": " + message);
          err.flush();
          return 2;
        });
    return cli;
  }

  /** What to tell the user about a failure, or null for a bug worth its stack trace. */
  private static String oneLine(Throwable e) {
    if (e instanceof NoSuchFileException f) {
      return "cannot read " + f.getFile() + ": no such file";
    }
    if (e instanceof MessagingException
        || e instanceof IllegalArgumentException
        || e instanceof IOException
        || e instanceof UncheckedIOException) {
      return e.getMessage() == null ? e.toString() : e.getMessage();
    }
    return null;
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = AgentMqCommand.class.getPackage().getImplementationVersion();
      return new String[] {"agentmq " + (v == null ? "(development build)" : v)};
    }
  }
}
