using System.Globalization;
using System.Text.Json;
using Tokenwise.Anthropic;
using Tokenwise.Configuration;
using Tokenwise.Hosting;
using Tokenwise.OpenAI;
using Tokenwise.Pipeline;
using Tokenwise.Pricing;

namespace Tokenwise.Endpoints;

/// <summary>
/// <c>GET /v1/models</c>: the routes and models declared in the config, then every catalog model a configured provider
/// serves by its bare name (in demo mode: OpenAI's catalog models); <c>GET /v1/models/{model}</c>: one of them, or any
/// <c>provider/model</c> address the gateway can serve. Both APIs share the paths, so a request with Anthropic's
/// <c>anthropic-version</c> header (its SDKs always send one, OpenAI's never) is answered in Anthropic's format, paged
/// as Anthropic pages it; any other in OpenAI's.
/// </summary>
public static class ModelsEndpoint
{
    private const int AnthropicDefaultLimit = 20;
    private const int AnthropicMaxLimit = 1000;

    public static async Task ListAsync(HttpContext http, GatewayComponents components, TokenwiseOptions options)
    {
        var served = Served(components, options).ToList();
        if (IsAnthropic(http.Request))
        {
            await ListAnthropicAsync(http, served);
            return;
        }

        http.Response.ContentType = "application/json";
        await using var w = new Utf8JsonWriter(http.Response.BodyWriter);
        w.WriteStartObject();
        w.WriteString("object", "list");
        w.WriteStartArray("data");
        foreach (var (id, owner) in served)
        {
            WriteOpenAIModel(w, id, owner);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    public static async Task RetrieveAsync(HttpContext http, string model, GatewayComponents components, TokenwiseOptions options)
    {
        // A provider/model address comes with its slash as sent (curl) or escaped (the SDKs: ASP.NET leaves %2F as is).
        model = Uri.UnescapeDataString(model);
        // Not listed, but perhaps served all the same (a provider/model address): as a request would resolve it.
        var owner = Served(components, options).FirstOrDefault(m => m.Id == model).Owner;
        ModelDeployment? deployment = null;
        if (owner is null && !components.Resolver.TryResolve(model, out deployment, out var error))
        {
            await WriteErrorAsync(http, error);
            return;
        }

        owner ??= deployment!.Provider;
        http.Response.ContentType = "application/json";
        await using var w = new Utf8JsonWriter(http.Response.BodyWriter);
        if (IsAnthropic(http.Request))
        {
            WriteAnthropicModel(w, model);
        }
        else
        {
            WriteOpenAIModel(w, model, owner);
        }
    }

    /// <summary>Every model served by name, each once, with who serves it: routes, configured models, then the catalog's.</summary>
    private static IEnumerable<(string Id, string Owner)> Served(GatewayComponents components, TokenwiseOptions options)
    {
        var resolver = components.Resolver;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var route in components.Routes.Keys.Order(StringComparer.Ordinal))
        {
            if (seen.Add(route))
            {
                yield return (route, "tokenwise");
            }
        }

        foreach (var model in resolver.ConfiguredModels.OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            if (seen.Add(model.Name))
            {
                yield return (model.Name, model.Provider);
            }
        }

        var catalogProviders = resolver.Providers.ToDictionary(p => p.CatalogProvider, p => p.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var price in components.Catalog.Entries.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (price.Key.Contains('/', StringComparison.Ordinal) || price.LitellmProvider is null || !IsServed(price))
            {
                continue;
            }

            var owner = catalogProviders.GetValueOrDefault(price.LitellmProvider)
                ?? (options.Demo && price.LitellmProvider == "openai" ? ProviderTypes.Simulated : null);
            if (owner is not null && seen.Add(price.Key))
            {
                yield return (price.Key, owner);
            }
        }
    }

    /// <summary>A page of Anthropic's list: <c>limit</c> models (20 unless asked, at most 1,000) after <c>after_id</c> or before <c>before_id</c>.</summary>
    private static async Task ListAnthropicAsync(HttpContext http, List<(string Id, string Owner)> served)
    {
        var query = http.Request.Query;
        var limit = AnthropicDefaultLimit;
        if (query["limit"] is [{ } limitText] && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > AnthropicMaxLimit))
        {
            await WriteErrorAsync(http, GatewayError.InvalidRequest($"limit: must be a whole number from 1 to {AnthropicMaxLimit}, got '{limitText}'.", param: "limit"));
            return;
        }

        // A page after after_id (or from the start), or, with before_id, the page that ends just before it.
        var backwards = query.ContainsKey("before_id");
        var cursorName = backwards ? "before_id" : "after_id";
        var cursorId = query[cursorName] is [{ } id] ? id : null;
        var cursor = cursorId is null ? -1 : served.FindIndex(m => m.Id == cursorId);
        if (cursorId is not null && cursor < 0)
        {
            await WriteErrorAsync(http, GatewayError.InvalidRequest($"{cursorName}: '{cursorId}' is not a model this gateway lists.", param: cursorName));
            return;
        }

        var end = backwards ? cursor : Math.Min(served.Count, cursor + 1 + limit);
        var start = backwards ? Math.Max(0, cursor - limit) : cursor + 1;
        var hasMore = backwards ? start > 0 : end < served.Count;

        http.Response.ContentType = "application/json";
        await using var w = new Utf8JsonWriter(http.Response.BodyWriter);
        w.WriteStartObject();
        w.WriteStartArray("data");
        for (var i = start; i < end; i++)
        {
            WriteAnthropicModel(w, served[i].Id);
        }

        w.WriteEndArray();
        w.WriteBoolean("has_more", hasMore);
        // Utf8JsonWriter writes a null string as JSON null, as Anthropic's empty page has it.
        w.WriteString("first_id", start < end ? served[start].Id : null);
        w.WriteString("last_id", start < end ? served[end - 1].Id : null);
        w.WriteEndObject();
    }

    private static void WriteOpenAIModel(Utf8JsonWriter w, string id, string owner)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("object", "model");
        w.WriteNumber("created", 0);
        w.WriteString("owned_by", owner);
        w.WriteEndObject();
    }

    /// <summary>Anthropic's model object; the release date is not known here, and Anthropic documents the epoch for that case.</summary>
    private static void WriteAnthropicModel(Utf8JsonWriter w, string id)
    {
        w.WriteStartObject();
        w.WriteString("type", "model");
        w.WriteString("id", id);
        w.WriteString("display_name", id);
        w.WriteString("created_at", "1970-01-01T00:00:00Z");
        w.WriteEndObject();
    }

    private static async Task WriteErrorAsync(HttpContext http, GatewayError error)
    {
        http.Response.StatusCode = error.Status;
        http.Response.ContentType = "application/json";
        if (IsAnthropic(http.Request))
        {
            AnthropicErrorBody.Write(error, requestId: null, http.Response.BodyWriter);
        }
        else
        {
            OpenAIErrorBody.Write(error, http.Response.BodyWriter);
        }

        await http.Response.BodyWriter.FlushAsync(http.RequestAborted);
    }

    private static bool IsAnthropic(HttpRequest request) => request.Headers.ContainsKey("anthropic-version");

    private static bool IsServed(ModelPrice price) => price.Mode is "chat" or "embedding" or "completion" or "responses";
}
