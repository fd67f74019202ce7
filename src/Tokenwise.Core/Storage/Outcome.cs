namespace Tokenwise.Storage;

/// <summary>A business outcome the application reported, such as a resolved ticket. Ids are unique per team.</summary>
/// <param name="Team">The reporting key's team; empty for the master key.</param>
/// <param name="Value">What the outcome is worth to the business, if the application says.</param>
public sealed record Outcome(string Team, string Id, string Workflow, OutcomeStatus Status, decimal? Value, DateTimeOffset ReportedAt);
