using System.Text.Json;
using Tokenwise.Configuration;
using Tokenwise.Hosting;
using Tokenwise.OpenAI;
using Tokenwise.Pipeline;
using Tokenwise.Pricing;

namespace Tokenwise.Endpoints;

/// <summary>
/// <c>GET /v1/models</c> in OpenAI's list format: the routes and models declared in the config, then every
/// catalog model a configured provider serves by its bare name (in demo mode: OpenAI's catalog models);
/// <c>GET /v1/models/{model}</c> one of them, or any <c>provider/model</c> address the gateway can serve.
/// </summary>
public static class ModelsEndpoint
{
    public static async Task ListAsync(HttpContext http, GatewayComponents components, TokenwiseOptions options)
    {
        http.Response.ContentType = "application/json";
        await using var w = new Utf8JsonWriter(http.Response.BodyWriter);
        w.WriteStartObject();
        w.WriteString("object", "list");
        w.WriteStartArray("data");
        foreach (var (id, owner) in Served(components, options))
        {
            WriteModel(w, id, owner);
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
            http.Response.StatusCode = error.Status;
            http.Response.ContentType = "application/json";
            OpenAIErrorBody.Write(error, http.Response.BodyWriter);
            await http.Response.BodyWriter.FlushAsync(http.RequestAborted);
            return;
        }

        owner ??= deployment!.Provider;
        http.Response.ContentType = "application/json";
        await using var w = new Utf8JsonWriter(http.Response.BodyWriter);
        WriteModel(w, model, owner);
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

    private static void WriteModel(Utf8JsonWriter w, string id, string owner)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("object", "model");
        w.WriteNumber("created", 0);
        w.WriteString("owned_by", owner);
        w.WriteEndObject();
    }

    private static bool IsServed(ModelPrice price) => price.Mode is "chat" or "embedding" or "completion" or "responses";
}
