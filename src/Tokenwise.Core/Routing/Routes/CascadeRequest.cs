using System.Text.Json;
using Tokenwise.Pipeline;

namespace Tokenwise.Routing.Routes;

/// <summary>What a request asked for that a cascade's checks hold an answer to: JSON (and its schema), and the tools it offered.</summary>
public sealed class CascadeRequest : IDisposable
{
    private readonly JsonDocument _document;

    private CascadeRequest(JsonDocument document) => _document = document;

    /// <summary>JSON was asked for: OpenAI's <c>response_format</c> of type <c>json_object</c> or <c>json_schema</c>.</summary>
    public bool WantsJson { get; private set; }

    /// <summary>The schema of <c>response_format.json_schema.schema</c>, when given.</summary>
    public JsonElement? Schema { get; private set; }

    /// <summary>Tool name → its parameters schema (OpenAI <c>function.parameters</c>, Anthropic <c>input_schema</c>).</summary>
    public Dictionary<string, JsonElement?> Tools { get; } = new(StringComparer.Ordinal);

    public static CascadeRequest Read(LlmRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var asked = new CascadeRequest(JsonDocument.Parse(request.Body));
        var root = asked._document.RootElement;
        if (root.TryGetProperty("response_format", out var format) && format.ValueKind == JsonValueKind.Object
            && format.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String)
        {
            asked.WantsJson = type.ValueEquals("json_object") || type.ValueEquals("json_schema");
            if (format.TryGetProperty("json_schema", out var jsonSchema) && jsonSchema.ValueKind == JsonValueKind.Object
                && jsonSchema.TryGetProperty("schema", out var schema))
            {
                asked.Schema = schema;
            }
        }

        if (root.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array)
        {
            // A tool that is not an object names nothing to check a call against (the provider refuses it anyway).
            foreach (var tool in tools.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.Object))
            {
                var definition = tool.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object ? function : tool;
                if (definition.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String)
                {
                    asked.Tools[name.GetString()!] = definition.TryGetProperty("parameters", out var parameters) ? parameters
                        : definition.TryGetProperty("input_schema", out var inputSchema) ? inputSchema : null;
                }
            }
        }

        return asked;
    }

    public void Dispose() => _document.Dispose();
}
