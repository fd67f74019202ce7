namespace Tokenwise.EndToEnd.Tests;

/// <summary>Costs worked out by hand from the embedded catalog's prices, to compare the gateway's records with.</summary>
internal static class HandCosts
{
    /// <summary>o3-mini: input $1.10/M, cached input $0.55/M, output (reasoning included) $4.40/M; <paramref name="input"/> includes <paramref name="cached"/>.</summary>
    public static decimal O3Mini(long input, long cached, long output) =>
        (input - cached) * 0.0000011m + cached * 0.00000055m + output * 0.0000044m;
}
