using Tokenwise.Metering;

namespace Tokenwise.Storage;

/// <summary>One call a model answered, as the usage log billed it: the model that served it (the upstream model), its usage and cost.</summary>
public sealed record BilledCall(string Model, TokenUsage Usage, decimal CostUsd);
