using Tokenwise.Data;
using Tokenwise.Storage;

namespace Tokenwise.Admin;

/// <summary>
/// A report laid out as a table: column titles for people, field names (the JSON's) for CSV, and cells as values.
/// Each report is laid out here once, for the CLI's table and CSV and the admin API's CSV alike.
/// </summary>
/// <param name="Total">A last row of totals, shown in tables (CSV keeps only the rows).</param>
public sealed record ReportTable(string[] Titles, string[] Fields, IReadOnlyList<object?[]> Rows, object?[]? Total = null)
{
    public static ReportTable Spend(IReadOnlyList<SpendRow> rows, SpendGrouping grouping, string? tag) => new(
        [tag is null ? grouping.ToString() : "Tag " + tag, "Requests", "Failed", "Input", "Cached", "Cache writes", "Output", "Reasoning", "Web searches", "Cost (USD)", "Unpriced calls"],
        [grouping.ToString().ToLowerInvariant(), "requests", "failed", "input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens", "web_search_requests", "cost_usd", "unpriced"],
        [.. rows.Select(Cells)],
        Cells(SpendRow.Sum("Total", rows)));

    public static ReportTable Outcomes(IReadOnlyList<WorkflowRow> rows) => new(
        ["Workflow", "Outcomes", "Successes", "Failures", "Requests", "Spend (USD)", "Per success (USD)", "Spent on failures (USD)", "Value (USD)"],
        ["workflow", "outcomes", "successes", "failures", "requests", "spend_usd", "cost_per_success_usd", "failed_spend_usd", "value_usd"],
        [.. rows.Select(r => new object?[]
        {
            r.Workflow, r.Outcomes, r.Successes, r.Failures, r.Requests, r.SpendUsd, r.CostPerSuccessUsd, r.FailedSpendUsd, r.ValueUsd,
        })]);

    public static ReportTable Routes(IReadOnlyList<RouteRow> rows) => new(
        ["Route", "Requests", "Rerouted", "Escalated calls", "Cost (USD)", "Baseline (USD)", "Saved (USD)"],
        ["route", "requests", "rerouted", "escalated_calls", "cost_usd", "baseline_usd", "saved_usd"],
        [.. rows.Select(r => new object?[] { r.Route, r.Requests, r.Rerouted, r.EscalatedCalls, r.CostUsd, r.BaselineUsd, r.SavedUsd })]);

    public static ReportTable WhatIf(IReadOnlyList<WhatIfRow> rows) => new(
        ["Model", "What if", "Calls", "Repriced", "Input", "Output", "Cost (USD)", "What if (USD)", "Change (USD)", "Change (%)"],
        ["model", "what_if_model", "calls", "repriced", "input_tokens", "output_tokens", "cost_usd", "what_if_usd", "change_usd", "change_percent"],
        [.. rows.Select(WhatIfCells)],
        WhatIfCells(new WhatIfRow("Total", "", rows.Sum(r => r.Calls), rows.Sum(r => r.Repriced), rows.Sum(r => r.InputTokens), rows.Sum(r => r.OutputTokens),
            rows.Sum(r => r.CostUsd), rows.Sum(r => r.WhatIfUsd))));

    public static ReportTable Growth(IReadOnlyList<Analysis.ContextGrowth> rows) => new(
        ["Session", "Steps", "First prompt", "Last prompt", "Growth/step", "Prompt tokens", "Sent again", "Sent again (%)", "Cached (%)", "Cost (USD)"],
        ["session_id", "steps", "first_input_tokens", "last_input_tokens", "growth_per_step", "input_tokens", "resent_tokens", "resent_percent", "cached_percent", "cost_usd"],
        [.. rows.Select(r => new object?[]
        {
            r.SessionId, r.Steps, r.FirstInputTokens, r.LastInputTokens, r.GrowthPerStep, r.InputTokens, r.ResentTokens,
            Math.Round(100.0 * r.ResentTokens / r.InputTokens, 1), Math.Round(100.0 * r.CachedTokens / r.InputTokens, 1), r.CostUsd,
        })]);

    public static ReportTable PromptCache(IReadOnlyList<Analysis.PromptCacheBreakEven> rows) => new(
        ["Model", "Prefix", "Uses", "Prefix tokens", "Writes", "Reads", "Cacheable", "Sent in full (USD)", "Cached (USD)", "Saving (USD)", "Already cached (%)"],
        ["model", "prefix", "uses", "prefix_tokens", "writes", "reads", "cacheable", "uncached_usd", "cached_usd", "saving_usd", "already_cached_percent"],
        [.. rows.Select(r => new object?[]
        {
            r.Model, r.Prefix, r.Uses, r.PrefixTokens, r.Writes, r.Reads, r.Cacheable ? "yes" : "no", r.UncachedUsd, r.CachedUsd, r.SavingUsd,
            Math.Round(100 * r.AlreadyCachedShare, 1),
        })]);

    public string ToCsv()
    {
        using var csv = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        Csv.Write(csv, Fields, Rows);
        return csv.ToString();
    }

    private static object?[] WhatIfCells(WhatIfRow r) =>
        [r.Model, r.WhatIfModel, r.Calls, r.Repriced, r.InputTokens, r.OutputTokens, r.CostUsd, r.WhatIfUsd, r.ChangeUsd,
            r.CostUsd == 0 ? null : (double)Math.Round(100 * r.ChangeUsd / r.CostUsd, 1)];

    private static object?[] Cells(SpendRow r) =>
        [r.Group, r.Requests, r.Failed, r.InputTokens, r.CachedInputTokens, r.CacheWriteTokens, r.OutputTokens, r.ReasoningTokens, r.WebSearchRequests, r.CostUsd, r.Unpriced];
}
