namespace Tokenwise.Storage;

/// <summary>
/// Costs are stored as whole pico-dollars (10⁻¹² USD): integers add up exactly in SQL, where
/// floating-point sums drift, and the rounding is ten orders of magnitude below a cent.
/// </summary>
public static class CostUnits
{
    /// <summary>Picodollars in a microdollar: where <see cref="SplitSum"/> splits a cost.</summary>
    public const long PicoPerMicro = 1_000_000;

    private const decimal PerUsd = 1_000_000_000_000m;

    /// <summary>The largest amount one value can hold: $9,223,372.036854775807 (<see cref="long.MaxValue"/> picodollars).</summary>
    public static readonly decimal MaxUsd = long.MaxValue / PerUsd;

    /// <summary>The smallest amount above zero: one picodollar.</summary>
    public static readonly decimal SmallestUsd = 1 / PerUsd;

    public static long ToPicoUsd(decimal usd) => (long)decimal.Round(usd * PerUsd, MidpointRounding.ToEven);

    public static decimal FromPicoUsd(long pico) => pico / PerUsd;

    /// <summary>
    /// SQL for the exact sum of a picodollar expression over a group, as two integer columns. SQLite's integer
    /// <c>sum()</c> fails past 2⁶³ picodollars ($9.2 million), so the whole microdollars and the picodollars below them
    /// are summed apart (exact to $9.2 trillion) and joined by <see cref="ReadSplitSum"/>; a group with none is 0.
    /// </summary>
    public static string SplitSum(string picoUsd) =>
        $"coalesce(sum(({picoUsd}) / {PicoPerMicro}), 0), coalesce(sum(({picoUsd}) % {PicoPerMicro}), 0)";

    /// <summary>The sum written by <see cref="SplitSum"/>, from its two columns at <paramref name="ordinal"/> and the next.</summary>
    public static decimal ReadSplitSum(System.Data.Common.DbDataReader reader, int ordinal) =>
        (decimal)reader.GetInt64(ordinal) * PicoPerMicro / PerUsd + FromPicoUsd(reader.GetInt64(ordinal + 1));
}
