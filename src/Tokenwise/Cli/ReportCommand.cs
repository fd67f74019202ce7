using System.CommandLine;
using System.Text.Json;
using Tokenwise.Admin;
using Tokenwise.Analysis;
using Tokenwise.Configuration;
using Tokenwise.Hosting;
using Tokenwise.Pricing;
using Tokenwise.Storage;
using Tokenwise.Storage.Sqlite;

namespace Tokenwise.Cli;

/// <summary>
/// <c>tokenwise report spend|sessions|outcomes|routes|whatif|growth|prompt-cache</c>: reports read straight from the usage log, so they work
/// whether or not the gateway is running.
/// </summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var by = new Option<string>("--by") { Description = $"Group by {SpendGroupings.Names}.", DefaultValueFactory = _ => "model" };
        var spend = Subcommand("spend", "Requests, tokens and cost, grouped.", "24h", [by], async (parse, store, since, options, format, ct) =>
        {
            if (!SpendGroupings.TryParse(parse.GetValue(by)!, out var grouping, out var tag))
            {
                return await CliOutput.FailAsync($"--by must be one of {SpendGroupings.Names}, got '{parse.GetValue(by)}'.");
            }

            WriteSpend(await store.SpendAsync(new SpendQuery(since, grouping, tag, TimeZone: options.Budgets.FindTimeZone()), ct), grouping, tag, format);
            return 0;
        });

        var top = new Option<int>("--top") { Description = "How many sessions.", DefaultValueFactory = _ => 10 };
        var sessions = Subcommand("sessions", "The sessions (agent runs) that spent most.", "24h", [top], async (parse, store, since, _, format, ct) =>
        {
            WriteSpend(await store.SpendAsync(new SpendQuery(since, SpendGrouping.Session, Limit: Math.Max(1, parse.GetValue(top))), ct), SpendGrouping.Session, null, format);
            return 0;
        });

        var outcomes = Subcommand("outcomes", "Per workflow: outcomes, successes, spend and cost per successful outcome.", "30d", [],
            async (parse, store, since, _, format, ct) =>
            {
                var rows = await store.WorkflowsAsync(since, ct);
                CliOutput.Write(format, JsonSerializer.Serialize(rows.ToArray(), AdminJsonContext.Default.WorkflowRowArray), ReportTable.Outcomes(rows));
                return 0;
            });

        var routes = Subcommand("routes", "Per route: requests, fallbacks and escalations, cost, and what the baseline deployment would have cost.", "24h", [],
            async (parse, store, since, _, format, ct) =>
            {
                var rows = await store.RoutesAsync(since, ct);
                CliOutput.Write(format, JsonSerializer.Serialize(rows.ToArray(), AdminJsonContext.Default.RouteRowArray), ReportTable.Routes(rows));
                return 0;
            });

        var map = new Option<string[]>("--map")
        {
            Description = "A billed model and the model to price its calls at instead, as FROM=TO (e.g. gpt-4o=gpt-4o-mini); repeatable.",
            AllowMultipleArgumentsPerToken = true,
        };
        var prices = new Option<string?>("--prices") { Description = "A price file in LiteLLM's schema whose entries replace the current prices (a price change)." };
        var whatIf = Subcommand("whatif", "What the calls would have cost on other models (--map) or at other prices (--prices).", "30d", [map, prices],
            async (parse, store, since, options, format, ct) =>
            {
                if (!WhatIfPricing.TryParseMappings(parse.GetValue(map) ?? [], out var models, out var bad))
                {
                    return await CliOutput.FailAsync($"--map must be FROM=TO, a billed model and the model to price its calls at, got '{bad}'.");
                }

                if (models.Count == 0 && parse.GetValue(prices) is null)
                {
                    return await CliOutput.FailAsync("Say what to price the calls at: --map FROM=TO (another model) or --prices FILE (other prices), or both.");
                }

                WhatIfPricing pricing;
                try
                {
                    pricing = new WhatIfPricing(GatewayComponents.LoadCatalog(options.Pricing), models,
                        parse.GetValue(prices) is { } file ? GatewayComponents.ReadCatalog(file, "--prices") : null);
                }
                catch (ArgumentException e)
                {
                    return await CliOutput.FailAsync("--map: " + e.Message);
                }

                var rows = await pricing.RepriceAsync(store.BilledSinceAsync(since, ct), ct);
                CliOutput.Write(format, JsonSerializer.Serialize(rows.ToArray(), AdminJsonContext.Default.WhatIfRowArray), ReportTable.WhatIf(rows));
                return 0;
            });

        var growth = Subcommand("growth", "Per session (agent run): how its prompts grew step by step, and the tokens it sent again.", "24h", [top],
            async (parse, store, since, _, format, ct) =>
            {
                var rows = await ContextGrowth.OfAsync(store.SessionStepsSinceAsync(since, ct), Math.Max(1, parse.GetValue(top)), ct);
                CliOutput.Write(format, JsonSerializer.Serialize(rows.ToArray(), AdminJsonContext.Default.ContextGrowthArray), ReportTable.Growth(rows));
                return 0;
            });

        var promptCache = Subcommand("prompt-cache", "Per model and system prompt: what caching it would have saved (needs server.log_bodies).", "7d", [top],
            async (parse, store, since, options, format, ct) =>
            {
                var catalog = GatewayComponents.LoadCatalog(options.Pricing);
                var rows = await PromptCacheBreakEven.OfAsync(store.LoggedRequestsSinceAsync(since, ct), catalog, Math.Max(1, parse.GetValue(top)), ct);
                CliOutput.Write(format, JsonSerializer.Serialize(rows.ToArray(), AdminJsonContext.Default.PromptCacheBreakEvenArray), ReportTable.PromptCache(rows));
                return 0;
            });

        return new Command("report", "Reports from the usage log.") { spend, sessions, outcomes, routes, whatIf, growth, promptCache };
    }

    /// <param name="options">The settings, for the config's <c>budgets.time_zone</c> (whose calendar days reports group by) and prices.</param>
    private delegate Task<int> ReportAction(ParseResult parse, SqliteUsageStore store, DateTimeOffset since, TokenwiseOptions options, OutputFormat format,
        CancellationToken cancellationToken);

    /// <summary>A report command with the options every report has: --since, --format, --config, --db.</summary>
    private static Command Subcommand(string name, string description, string defaultSince, Option[] extra, ReportAction action)
    {
        var config = CliOptions.Config();
        var format = CliOptions.Format();
        var db = new Option<string?>("--db") { Description = "The SQLite usage log (default: storage.sqlite_path from the config, else tokenwise.db)." };
        var since = new Option<string>("--since") { Description = "How far back: 30m, 24h, 7d, ...", DefaultValueFactory = _ => defaultSince };
        var command = new Command(name, description) { since, format, config, db };
        foreach (var option in extra)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!Durations.TryParse(parse.GetValue(since), out var window))
            {
                return await CliOutput.FailAsync($"--since must be a duration such as 30m, 24h or 7d, got '{parse.GetValue(since)}'.");
            }

            TokenwiseOptions options;
            try
            {
                options = SettingsLoader.Load(parse.GetValue(config), SettingsLoader.ProcessEnvironment());
            }
            catch (ConfigurationException e)
            {
                return await CliOutput.FailAsync(e.Message);
            }

            var path = parse.GetValue(db) ?? options.Storage.SqlitePath;
            if (!File.Exists(path))
            {
                return await CliOutput.FailAsync($"No usage log at '{Path.GetFullPath(path)}'. Start the gateway first, or pass --db.");
            }

            var store = new SqliteUsageStore(path);
            try
            {
                await store.InitializeAsync(cancellationToken);
            }
            catch (Exception e) when (e is System.Data.Common.DbException or IOException or UnauthorizedAccessException)
            {
                return await CliOutput.FailAsync($"Cannot read the usage log '{Path.GetFullPath(path)}': {e.Message}");
            }

            try
            {
                return await action(parse, store, DateTimeOffset.UtcNow - window, options, parse.GetValue(format), cancellationToken);
            }
            catch (ConfigurationException e)
            {
                // A price file a report reads (pricing.overrides_file, --prices) that cannot be used: one line, as for the config.
                return await CliOutput.FailAsync(e.Message);
            }
        });
        return command;
    }

    private static void WriteSpend(IReadOnlyList<SpendRow> rows, SpendGrouping grouping, string? tag, OutputFormat format) =>
        CliOutput.Write(format, JsonSerializer.Serialize(rows.ToArray(), AdminJsonContext.Default.SpendRowArray), ReportTable.Spend(rows, grouping, tag));
}
