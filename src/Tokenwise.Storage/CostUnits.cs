namespace Tokenwise.Storage;

/// <summary>
/// Costs are stored as whole pico-dollars (10⁻¹² USD): integers add up exactly in SQL, where
/// floating-point sums drift, and the rounding is ten orders of magnitude below a cent.
/// </summary>
public static class CostUnits
{
    private const decimal PerUsd = 1_000_000_000_000m;

    public static long ToPicoUsd(decimal usd) => (long)decimal.Round(usd * PerUsd, MidpointRounding.ToEven);

    public static decimal FromPicoUsd(long pico) => pico / PerUsd;
}
