using System.CommandLine;

namespace Tokenwise.Cli;

/// <summary>Options several commands share, so they read the same everywhere.</summary>
internal static class CliOptions
{
    public static Option<string?> Config() => new("--config", "-c") { Description = "The YAML config file (see docs/configuration.md)." };

    public static Option<OutputFormat> Format() => new("--format") { Description = "Output as a table, JSON or CSV.", DefaultValueFactory = _ => OutputFormat.Table };
}
