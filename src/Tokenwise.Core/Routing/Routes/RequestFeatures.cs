using System.Text;
using System.Text.Json;
using Tokenwise.Json;
using Tokenwise.Metering;
using Tokenwise.Pipeline;
using Tokenwise.Sensitivity;

namespace Tokenwise.Routing.Routes;

/// <summary>
/// What routing looks at in a request, in any dialect (OpenAI chat and Responses, Anthropic Messages): tools,
/// images, the latest user turn, all of the prompt's text, its token count. Each is worked out on first use, the
/// JSON read once for all of them, so a route that only orders its deployments pays for none of it.
/// </summary>
public sealed class RequestFeatures
{
    private readonly LlmRequest _request;
    private readonly Func<long> _promptTokens;
    private long? _countedTokens;
    private IReadOnlyList<SensitiveSpan>? _sensitive;
    private bool _read;
    private bool _hasTools;
    private bool _hasImages;
    private string _latestUserText = "";
    private string _allText = "";

    private RequestFeatures(LlmRequest request, Func<long> promptTokens)
    {
        _request = request;
        _promptTokens = promptTokens;
    }

    /// <summary>A <c>tools</c> (or legacy <c>functions</c>) array with at least one entry.</summary>
    public bool HasTools => Read()._hasTools;

    /// <summary>An image anywhere in the conversation (<c>image_url</c>, <c>input_image</c> or Anthropic's <c>image</c> block).</summary>
    public bool HasImages => Read()._hasImages;

    /// <summary>The text of the last message whose role is <c>user</c> (for Responses, the input when it is a string).</summary>
    public string LatestUserText => Read()._latestUserText;

    /// <summary>Every text the prompt carries (system, messages, tool results), newline-separated: what leaves for the provider.</summary>
    public string AllText => Read()._allText;

    /// <summary>The prompt's tokens counted with the tokenizer of the route's first deployment.</summary>
    public long PromptTokens => _countedTokens ??= _promptTokens();

    /// <summary>Personal data and secrets anywhere in the prompt's text, found on first use.</summary>
    public IReadOnlyList<SensitiveSpan> Sensitive => _sensitive ??= SensitivityDetector.Detect(AllText);

    /// <param name="promptTokens">Counts the prompt's tokens when asked (the gateway shares one count per request, <see cref="GatewayContext.PromptTokens"/>).</param>
    public static RequestFeatures Of(LlmRequest request, Func<long> promptTokens) => new(request, promptTokens);

    /// <summary>The features of <paramref name="request"/>, its tokens counted with <paramref name="tokenizerModel"/>'s tokenizer.</summary>
    public static RequestFeatures Read(LlmRequest request, string tokenizerModel) =>
        new(request, () => Metering.PromptTokens.Estimate(request, tokenizerModel));

    private RequestFeatures Read()
    {
        if (_read)
        {
            return this;
        }

        _read = true;
        using var document = JsonDocument.Parse(_request.Body);
        var all = new StringBuilder();
        foreach (var property in document.RootElement.EnumerateObject())
        {
            switch (property.Name)
            {
                case "tools" or "functions":
                    _hasTools |= property.Value.ValueKind == JsonValueKind.Array && property.Value.GetArrayLength() > 0;
                    break;
                case "system" or "instructions":
                    AppendContent(property.Value, all, null);
                    break;
                case "messages" or "input" when property.Value.ValueKind == JsonValueKind.Array:
                    foreach (var message in property.Value.EnumerateArray())
                    {
                        ReadMessage(message, all);
                    }

                    break;
                case "input" when property.Value.ValueKind == JsonValueKind.String:
                    _latestUserText = property.Value.GetString() ?? "";
                    all.Append(_latestUserText).Append('\n');
                    break;
            }
        }

        _allText = all.ToString();
        return this;
    }

    private void ReadMessage(JsonElement message, StringBuilder all)
    {
        if (message.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        var isUser = message.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String && role.ValueEquals("user");
        var text = isUser ? new StringBuilder() : null;
        if (message.TryGetProperty("content", out var content))
        {
            AppendContent(content, all, text);
        }

        // A Responses API function_call_output item carries the tool's result as its output.
        if (message.TryGetProperty("output", out var output))
        {
            AppendContent(output, all, null);
        }

        // OpenAI assistant tool calls carry their arguments as text; a secret can travel there too.
        if (message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
        {
            foreach (var call in calls.EnumerateArray())
            {
                if (call.TryGetProperty("function", out var function) && function.TryGetProperty("arguments", out var arguments)
                    && arguments.ValueKind == JsonValueKind.String)
                {
                    all.Append(arguments.GetString()).Append('\n');
                }
            }
        }

        if (text is not null)
        {
            _latestUserText = text.ToString().TrimEnd('\n');
        }
    }

    /// <summary>A content value: a string, or parts/blocks whose text is gathered and whose images are noted.</summary>
    private void AppendContent(JsonElement content, StringBuilder all, StringBuilder? user)
    {
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                var text = content.GetString();
                all.Append(text).Append('\n');
                user?.Append(text).Append('\n');
                break;
            case JsonValueKind.Array:
                foreach (var part in content.EnumerateArray())
                {
                    AppendPart(part, all, user);
                }

                break;
        }
    }

    private void AppendPart(JsonElement part, StringBuilder all, StringBuilder? user)
    {
        if (part.ValueKind == JsonValueKind.String)
        {
            AppendContent(part, all, user);
            return;
        }

        if (part.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        var type = JsonMember.String(part, "type");
        switch (type)
        {
            case "image_url" or "input_image" or "image":
                _hasImages = true;
                break;
            case "tool_result" when part.TryGetProperty("content", out var result):
                // A tool's result is prompt text, but not what the user asked.
                AppendContent(result, all, null);
                break;
            case "tool_use" when part.TryGetProperty("input", out var input):
                all.Append(input.GetRawText()).Append('\n');
                break;
            default:
                if (part.TryGetProperty("text", out var value) && value.ValueKind == JsonValueKind.String)
                {
                    all.Append(value.GetString()).Append('\n');
                    user?.Append(value.GetString()).Append('\n');
                }

                break;
        }
    }
}
