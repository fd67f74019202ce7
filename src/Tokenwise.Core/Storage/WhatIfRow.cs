namespace Tokenwise.Storage;

/// <summary>
/// The calls one model served since a time, at what they cost and at what they would have cost on <paramref name="WhatIfModel"/>
/// (the same model at other prices, or another model); <paramref name="Repriced"/> of them had a what-if price, the others kept theirs.
/// </summary>
public sealed record WhatIfRow(string Model, string WhatIfModel, long Calls, long Repriced, long InputTokens, long OutputTokens, decimal CostUsd, decimal WhatIfUsd)
{
    public decimal ChangeUsd => WhatIfUsd - CostUsd;
}
