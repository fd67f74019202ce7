namespace Tokenwise.Hosting;

/// <summary>Reads the key a client presents: <c>Authorization: Bearer</c> (OpenAI) or <c>x-api-key</c> (Anthropic).</summary>
public static class ClientKey
{
    public static string? From(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization[7..].Trim();
        }

        var apiKey = request.Headers["x-api-key"].ToString();
        return apiKey.Length > 0 ? apiKey : null;
    }
}
