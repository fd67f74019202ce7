using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Tokenwise.EndToEnd.Tests.OpenApi;

/// <summary>
/// OpenAI's OpenAPI document as a JSON Schema 2020-12 validator. The whole document is registered
/// under one base URI, so every <c>$ref: '#/components/schemas/X'</c> in it resolves in place, and a
/// named schema is checked through a one-line <c>{"$ref": "BASE#/components/schemas/Name"}</c>.
/// </summary>
/// <remarks>
/// The document says <c>openapi: 3.1.0</c> (schemas are JSON Schema 2020-12) but still carries about
/// a hundred OpenAPI 3.0 <c>nullable: true</c> keywords, which 2020-12 ignores. Read literally it
/// therefore rejects the nulls OpenAI really sends, e.g. <c>finish_reason: null</c> and
/// <c>logprobs: null</c> on every stream chunk but the last. With <c>honourNullable</c> (the default)
/// each schema that has <c>nullable: true</c> becomes <c>anyOf: [schema, {type: null}]</c>, which is
/// what its authors meant; nothing else in the document is changed.
/// </remarks>
public sealed class OpenApiSpec
{
    /// <summary>Where the spec lives relative to the folder that holds the repository (and <c>shared/</c>).</summary>
    public const string RelativePath = "shared/specs/openai-openapi.json";

    /// <summary>An environment variable naming the <c>shared/</c> folder, to use instead of walking up.</summary>
    public const string SharedDirectoryVariable = "TOKENWISE_SHARED_DIR";

    private static readonly Uri BaseUri = new("https://tokenwise.test/openai-openapi.json");
    private static readonly Lazy<(OpenApiSpec? Spec, string Reason)> Shared = new(LoadShared, LazyThreadSafetyMode.ExecutionAndPublication);

    // Subschema keywords of JSON Schema 2020-12 (plus draft-04's "definitions"): the only places a
    // "nullable" keyword is a schema keyword rather than data (an example, a default, an enum value).
    private static readonly HashSet<string> SchemaMapKeywords = ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"];
    private static readonly HashSet<string> SchemaKeywords =
        ["items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames", "unevaluatedItems", "unevaluatedProperties", "additionalItems"];
    private static readonly HashSet<string> SchemaArrayKeywords = ["allOf", "anyOf", "oneOf", "prefixItems"];

    private readonly BuildOptions _buildOptions;
    private readonly JsonObject _schemas;
    private readonly ConcurrentDictionary<string, JsonSchema> _named = new(StringComparer.Ordinal);
    private readonly Lock _evaluate = new();

    private OpenApiSpec(string path, BuildOptions buildOptions, JsonObject schemas, int nullableRewrites)
    {
        Path = path;
        _buildOptions = buildOptions;
        _schemas = schemas;
        NullableRewrites = nullableRewrites;
    }

    /// <summary>The file the spec was read from.</summary>
    public string Path { get; }

    /// <summary>How many OpenAPI 3.0 <c>nullable: true</c> keywords were turned into <c>anyOf [.., null]</c>.</summary>
    public int NullableRewrites { get; }

    /// <summary>
    /// The spec shared by all tests (loaded once), or null with the reason it could not be found:
    /// tests skip on null.
    /// </summary>
    public static OpenApiSpec? TryGetShared(out string reason)
    {
        var (spec, why) = Shared.Value;
        reason = why;
        return spec;
    }

    /// <summary>
    /// The spec file: <c>$TOKENWISE_SHARED_DIR/specs/openai-openapi.json</c> when that variable is set,
    /// else <c>shared/specs/openai-openapi.json</c> in the nearest folder above the test binaries that has one
    /// (the repository's parent, where <c>shared/</c> sits beside it).
    /// </summary>
    public static string? Locate()
    {
        var sharedDirectory = Environment.GetEnvironmentVariable(SharedDirectoryVariable);
        if (!string.IsNullOrEmpty(sharedDirectory))
        {
            var fromVariable = System.IO.Path.Combine(sharedDirectory, "specs", "openai-openapi.json");
            return File.Exists(fromVariable) ? fromVariable : null;
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = System.IO.Path.Combine(directory.FullName, RelativePath);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Reads and compiles the spec (about a tenth of a second for OpenAI's 3 MB document).</summary>
    /// <param name="path">The OpenAPI JSON document.</param>
    /// <param name="honourNullable">Read OpenAPI 3.0's <c>nullable: true</c> as "null is allowed too" (see remarks).</param>
    public static OpenApiSpec Load(string path, bool honourNullable = true)
    {
        var document = JsonNode.Parse(File.ReadAllBytes(path)) as JsonObject
            ?? throw new InvalidDataException($"{path} is not a JSON object.");
        if (document["components"]?["schemas"] is not JsonObject schemas)
        {
            throw new InvalidDataException($"{path} has no components.schemas.");
        }

        var rewrites = 0;
        if (honourNullable)
        {
            foreach (var name in schemas.Select(p => p.Key).ToList())
            {
                schemas[name] = RewriteNullable(Detach(schemas, name), ref rewrites);
            }
        }

        // OpenAPI documents carry keywords JSON Schema does not know ("openapi", "discriminator",
        // "x-stainless-const", ...): the 2020-12 dialect keeps them as annotations; the library's
        // default (newer) dialect rejects them.
        var buildOptions = new BuildOptions { SchemaRegistry = new SchemaRegistry(), Dialect = Dialect.Draft202012 };
        var root = JsonSchema.Build(JsonSerializer.SerializeToElement(document), buildOptions, BaseUri);
        buildOptions.SchemaRegistry.Register(root);
        return new OpenApiSpec(path, buildOptions, schemas, rewrites);
    }

    public bool HasSchema(string name) => _schemas.ContainsKey(name);

    /// <summary>Validates <paramref name="json"/> against <c>components.schemas.{schemaName}</c>.</summary>
    /// <returns>Readable errors, each starting with the JSON path of the offending value; empty when valid.</returns>
    public IReadOnlyList<string> Validate(string schemaName, string json)
    {
        using var document = JsonDocument.Parse(json);
        return Validate(schemaName, document.RootElement);
    }

    /// <inheritdoc cref="Validate(string, string)"/>
    public IReadOnlyList<string> Validate(string schemaName, JsonElement instance)
    {
        var schema = _named.GetOrAdd(schemaName, name =>
        {
            if (!HasSchema(name))
            {
                throw new ArgumentException($"The spec has no schema '{name}' under components.schemas.", nameof(schemaName));
            }

            var reference = new JsonObject { ["$ref"] = $"{BaseUri}#/components/schemas/{name}" };
            return JsonSchema.Build(JsonSerializer.SerializeToElement(reference), _buildOptions);
        });

        EvaluationResults results;
        lock (_evaluate)
        {
            results = schema.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.Hierarchical });
        }

        var errors = new List<string>();
        if (!results.IsValid)
        {
            Collect(results, errors);
            if (errors.Count == 0)
            {
                errors.Add($"$: does not match {schemaName} (the validator gave no detail)");
            }
        }

        return errors.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>Errors of failed nodes only: a passing <c>anyOf</c> keeps quiet about the branches that failed.</summary>
    private static void Collect(EvaluationResults node, List<string> errors)
    {
        if (node.IsValid)
        {
            return;
        }

        if (node.Errors is { Count: > 0 })
        {
            foreach (var (keyword, message) in node.Errors)
            {
                errors.Add($"{ToJsonPath(node.InstanceLocation.ToString())}: {keyword}: {message} (schema {SchemaPath(node.SchemaLocation)})");
            }
        }

        if (node.Details is not null)
        {
            foreach (var detail in node.Details)
            {
                Collect(detail, errors);
            }
        }
    }

    private static string SchemaPath(Uri location) =>
        location.Fragment.Length > 0 ? Uri.UnescapeDataString(location.Fragment) : location.ToString();

    /// <summary>A JSON Pointer (<c>/choices/0/delta</c>) as a JSON path (<c>$.choices[0].delta</c>).</summary>
    public static string ToJsonPath(string pointer)
    {
        var path = new StringBuilder("$");
        if (string.IsNullOrEmpty(pointer))
        {
            return path.ToString();
        }

        foreach (var raw in pointer.TrimStart('#').Split('/').Skip(1))
        {
            var segment = Uri.UnescapeDataString(raw).Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (segment.Length > 0 && segment.All(char.IsAsciiDigit))
            {
                path.Append('[').Append(segment).Append(']');
            }
            else if (segment.Length > 0 && segment.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                path.Append('.').Append(segment);
            }
            else
            {
                path.Append("['").Append(segment.Replace("'", "\\'", StringComparison.Ordinal)).Append("']");
            }
        }

        return path.ToString();
    }

    /// <summary>
    /// Returns the schema (which must have no parent) with every <c>nullable: true</c> (at any depth, schema positions only) replaced by
    /// <c>{"anyOf": [schema-without-nullable, {"type": "null"}]}</c>.
    /// </summary>
    private static JsonNode? RewriteNullable(JsonNode? schema, ref int rewrites)
    {
        if (schema is not JsonObject obj)
        {
            return schema;
        }

        foreach (var (keyword, value) in obj.ToList())
        {
            if (SchemaMapKeywords.Contains(keyword) && value is JsonObject map)
            {
                foreach (var name in map.Select(p => p.Key).ToList())
                {
                    map[name] = RewriteNullable(Detach(map, name), ref rewrites);
                }
            }
            else if (SchemaKeywords.Contains(keyword))
            {
                if (value is JsonArray tuple)
                {
                    RewriteArray(tuple, ref rewrites);
                }
                else
                {
                    obj[keyword] = RewriteNullable(Detach(obj, keyword), ref rewrites);
                }
            }
            else if (SchemaArrayKeywords.Contains(keyword) && value is JsonArray array)
            {
                RewriteArray(array, ref rewrites);
            }
        }

        if (obj["nullable"] is JsonValue nullable && nullable.GetValueKind() == JsonValueKind.True)
        {
            obj.Remove("nullable");
            rewrites++;
            return new JsonObject
            {
                ["anyOf"] = new JsonArray(obj, new JsonObject { ["type"] = "null" }),
            };
        }

        return obj;
    }

    private static void RewriteArray(JsonArray array, ref int rewrites)
    {
        for (var i = 0; i < array.Count; i++)
        {
            var item = array[i];
            array[i] = null; // detach, so the item may move into a new parent
            array[i] = RewriteNullable(item, ref rewrites);
        }
    }

    private static JsonNode? Detach(JsonObject parent, string key)
    {
        var node = parent[key];
        parent[key] = null;
        return node;
    }

    private static (OpenApiSpec? Spec, string Reason) LoadShared()
    {
        var path = Locate();
        if (path is null)
        {
            var variable = Environment.GetEnvironmentVariable(SharedDirectoryVariable);
            return (null, string.IsNullOrEmpty(variable)
                ? $"OpenAI's OpenAPI spec was not found: no folder above {AppContext.BaseDirectory} has {RelativePath} (or set {SharedDirectoryVariable})."
                : $"OpenAI's OpenAPI spec was not found: {SharedDirectoryVariable}={variable} has no specs/openai-openapi.json.");
        }

        return (Load(path), "");
    }
}
