using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Tokenwise.Admin;
using Tokenwise.Configuration;
using Tokenwise.Storage;
using Tokenwise.Storage.Sqlite;

namespace Tokenwise.Cli;

/// <summary><c>tokenwise report spend</c>: spend from the usage log, grouped by model, provider or day.</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var config = CliOptions.Config();
        var format = CliOptions.Format();
        var db = new Option<string?>("--db") { Description = "The SQLite usage log (default: storage.sqlite_path from the config, else tokenwise.db)." };
        var since = new Option<string>("--since") { Description = "How far back: 30m, 24h, 7d, ...", DefaultValueFactory = _ => "24h" };
        var by = new Option<SpendGrouping>("--by") { Description = "Group by model, provider or day.", DefaultValueFactory = _ => SpendGrouping.Model };
        var spend = new Command("spend", "Requests, tokens and cost, grouped.") { since, by, format, config, db };
        spend.SetAction(async (parse, cancellationToken) =>
        {
            if (!Durations.TryParse(parse.GetValue(since), out var window))
            {
                await Console.Error.WriteLineAsync($"--since must be a duration such as 30m, 24h or 7d, got '{parse.GetValue(since)}'.");
                return 2;
            }

            string path;
            try
            {
                path = parse.GetValue(db) ?? SettingsLoader.Load(parse.GetValue(config), SettingsLoader.ProcessEnvironment()).Storage.SqlitePath;
            }
            catch (ConfigurationException e)
            {
                await Console.Error.WriteLineAsync(e.Message);
                return 2;
            }

            if (!File.Exists(path))
            {
                await Console.Error.WriteLineAsync($"No usage log at '{Path.GetFullPath(path)}'. Start the gateway first, or pass --db.");
                return 2;
            }

            var store = new SqliteUsageStore(path);
            await store.InitializeAsync(cancellationToken);
            var grouping = parse.GetValue(by);
            var rows = await store.SpendAsync(DateTimeOffset.UtcNow - window, grouping, cancellationToken);
            Write(rows, grouping, parse.GetValue(format));
            return 0;
        });
        return new Command("report", "Reports from the usage log.") { spend };
    }

    private static void Write(IReadOnlyList<SpendRow> rows, SpendGrouping grouping, OutputFormat format)
    {
        var inv = CultureInfo.InvariantCulture;
        switch (format)
        {
            case OutputFormat.Json:
                Console.WriteLine(JsonSerializer.Serialize(rows.ToArray(), AdminJsonContext.Default.SpendRowArray));
                break;
            case OutputFormat.Csv:
                Console.WriteLine($"{grouping.ToString().ToLowerInvariant()},requests,failed,input_tokens,cached_input_tokens,output_tokens,reasoning_tokens,cost_usd");
                foreach (var r in rows)
                {
                    Console.WriteLine(string.Join(',', Csv(r.Group), r.Requests, r.Failed, r.InputTokens, r.CachedInputTokens,
                        r.OutputTokens, r.ReasoningTokens, r.CostUsd.ToString(inv)));
                }

                break;
            default:
                var table = new Table().AddColumns(grouping.ToString(), "Requests", "Failed", "Input", "Cached", "Output", "Reasoning", "Cost (USD)");
                foreach (var c in Enumerable.Range(1, 7))
                {
                    table.Columns[c].RightAligned();
                }

                foreach (var r in rows)
                {
                    table.AddRow(Markup.Escape(r.Group), N(r.Requests), N(r.Failed), N(r.InputTokens), N(r.CachedInputTokens),
                        N(r.OutputTokens), N(r.ReasoningTokens), r.CostUsd.ToString("0.000000", inv));
                }

                if (rows.Count > 1)
                {
                    table.AddRow("[bold]Total[/]", N(rows.Sum(r => r.Requests)), N(rows.Sum(r => r.Failed)), N(rows.Sum(r => r.InputTokens)),
                        N(rows.Sum(r => r.CachedInputTokens)), N(rows.Sum(r => r.OutputTokens)), N(rows.Sum(r => r.ReasoningTokens)),
                        rows.Sum(r => r.CostUsd).ToString("0.000000", inv));
                }

                AnsiConsole.Write(table);
                break;
        }

        static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
    }

    private static string Csv(string value) =>
        value.AsSpan().IndexOfAny(",\"\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
