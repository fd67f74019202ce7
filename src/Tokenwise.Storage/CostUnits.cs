namespace Tokenwise.Storage;

/// <summary>
/// Costs are stored as whole pico-dollars (10⁻¹² USD): integers add up exactly in SQL, where
/// floating-point sums drift, and the rounding is ten orders of magnitude below a cent.
/// </summary>
public static class CostUnits
{
    private const decimal PerUsd = 1_000_000_000_000m;

    /// <summary>The largest amount one value can hold: $9,223,372.036854775807 (<see cref="long.MaxValue"/> picodollars).</summary>
    public static readonly decimal MaxUsd = long.MaxValue / PerUsd;

    /// <summary>The smallest amount above zero: one picodollar.</summary>
    public static readonly decimal SmallestUsd = 1 / PerUsd;

    public static long ToPicoUsd(decimal usd) => (long)decimal.Round(usd * PerUsd, MidpointRounding.ToEven);

    public static decimal FromPicoUsd(long pico) => pico / PerUsd;
}
