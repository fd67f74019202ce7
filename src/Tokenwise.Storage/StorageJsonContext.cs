using System.Text.Json.Serialization;

namespace Tokenwise.Storage;

/// <summary>Source-generated JSON for the few list and map columns (tags, allowed models, metadata, alert thresholds).</summary>
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(int[]))]
internal sealed partial class StorageJsonContext : JsonSerializerContext;
