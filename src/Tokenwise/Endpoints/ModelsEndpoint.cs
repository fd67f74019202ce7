using System.Text.Json;
using Tokenwise.Configuration;
using Tokenwise.Hosting;
using Tokenwise.Pricing;

namespace Tokenwise.Endpoints;

/// <summary>
/// <c>GET /v1/models</c> in OpenAI's list format: the routes and models declared in the config, then every
/// catalog model a configured provider serves by its bare name (in demo mode: OpenAI's catalog models).
/// </summary>
public static class ModelsEndpoint
{
    public static async Task Handle(HttpContext http, GatewayComponents components, TokenwiseOptions options)
    {
        var resolver = components.Resolver;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var models = new List<(string Id, string Owner)>();
        foreach (var route in components.Routes.Keys.Order(StringComparer.Ordinal))
        {
            if (seen.Add(route))
            {
                models.Add((route, "tokenwise"));
            }
        }

        foreach (var model in resolver.ConfiguredModels.OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            if (seen.Add(model.Name))
            {
                models.Add((model.Name, model.Provider));
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
                models.Add((price.Key, owner));
            }
        }

        http.Response.ContentType = "application/json";
        await using var w = new Utf8JsonWriter(http.Response.BodyWriter);
        w.WriteStartObject();
        w.WriteString("object", "list");
        w.WriteStartArray("data");
        foreach (var (id, owner) in models)
        {
            w.WriteStartObject();
            w.WriteString("id", id);
            w.WriteString("object", "model");
            w.WriteNumber("created", 0);
            w.WriteString("owned_by", owner);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static bool IsServed(ModelPrice price) => price.Mode is "chat" or "embedding" or "completion" or "responses";
}
