namespace Tokenwise.Storage;

/// <summary>Cost per outcome for one workflow.</summary>
/// <param name="SpendUsd">Everything spent on the workflow's outcomes, failed ones included.</param>
/// <param name="CostPerSuccessUsd">
/// <see cref="SpendUsd"/> divided by <see cref="Successes"/>: what one success really costs, failed
/// attempts included. Null when there was no success.
/// </param>
/// <param name="FailedSpendUsd">The part of <see cref="SpendUsd"/> spent on outcomes that failed.</param>
public sealed record WorkflowRow(
    string Workflow,
    long Outcomes,
    long Successes,
    long Failures,
    long Requests,
    decimal SpendUsd,
    decimal? CostPerSuccessUsd,
    decimal FailedSpendUsd,
    decimal? ValueUsd);
