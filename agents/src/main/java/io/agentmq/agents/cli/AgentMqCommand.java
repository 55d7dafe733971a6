package io.agentmq.agents.cli;

import io.agentmq.api.ConfigException;
import io.agentmq.api.MessagingException;
import java.io.PrintWriter;
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
          if (e instanceof MessagingException
              || e instanceof ConfigException
              || e instanceof IllegalArgumentException
              || e instanceof java.io.UncheckedIOException) {
            PrintWriter err = commandLine.getErr();
            err.println("agentmq " + commandLine.getCommandName() + ": " + e.getMessage());
            err.flush();
            return 2;
          }
          throw e;
        });
    return cli;
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
