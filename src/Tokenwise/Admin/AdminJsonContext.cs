using System.Text.Json.Serialization;
using Tokenwise.Storage;

namespace Tokenwise.Admin;

/// <summary>Source-generated JSON for the admin API and CLI output: snake_case, like the rest of the wire.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = false)]
[JsonSerializable(typeof(RequestLogEntry[]))]
[JsonSerializable(typeof(SpendRow[]))]
[JsonSerializable(typeof(HealthStatus))]
[JsonSerializable(typeof(CreateKeyRequest))]
[JsonSerializable(typeof(KeyInfo))]
[JsonSerializable(typeof(KeyInfo[]))]
[JsonSerializable(typeof(BudgetRequest))]
[JsonSerializable(typeof(BudgetInfo))]
[JsonSerializable(typeof(BudgetInfo[]))]
[JsonSerializable(typeof(RateLimitRequest))]
[JsonSerializable(typeof(RateLimitInfo))]
[JsonSerializable(typeof(RateLimitInfo[]))]
[JsonSerializable(typeof(OutcomeRequest))]
[JsonSerializable(typeof(OutcomeInfo))]
[JsonSerializable(typeof(WorkflowRow[]))]
[JsonSerializable(typeof(BudgetAlertMessage))]
[JsonSerializable(typeof(CacheStats))]
[JsonSerializable(typeof(CacheInvalidation))]
[JsonSerializable(typeof(RouteStatus[]))]
[JsonSerializable(typeof(RouteRow[]))]
[JsonSerializable(typeof(WhatIfRow[]))]
[JsonSerializable(typeof(Tokenwise.Analysis.ContextGrowth[]))]
[JsonSerializable(typeof(Tokenwise.Analysis.PromptCacheBreakEven[]))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;
