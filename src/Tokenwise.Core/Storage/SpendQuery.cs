namespace Tokenwise.Storage;

/// <summary>A spend report: records since a moment, grouped by one dimension.</summary>
/// <param name="Tag">The tag whose values form the groups, when grouping by tag.</param>
/// <param name="Limit">At most this many groups (the largest spend first), e.g. the top sessions.</param>
/// <param name="TimeZone">Whose calendar days <see cref="SpendGrouping.Day"/> groups by (the budgets' zone); UTC when null.</param>
public sealed record SpendQuery(DateTimeOffset Since, SpendGrouping By, string? Tag = null, int? Limit = null, TimeZoneInfo? TimeZone = null);
