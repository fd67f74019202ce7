using System.Text.Json.Serialization;
using Tokenwise.Storage;

namespace Tokenwise.Admin;

/// <summary>Source-generated JSON for the admin API and CLI output: snake_case, like the rest of the wire.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = false)]
[JsonSerializable(typeof(RequestLogEntry[]))]
[JsonSerializable(typeof(SpendRow[]))]
[JsonSerializable(typeof(HealthStatus))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;
