using Tokenwise.Pipeline;

namespace Tokenwise.Endpoints;

/// <summary>
/// What is left of a request's Content-Encoding once ASP.NET Core's request decompression has run: it removes the
/// header of a body it decompresses (gzip, br, deflate), so any other value but <c>identity</c> is an encoding the
/// gateway cannot read. Read as it is, such a body would only be refused later as "not JSON", naming the wrong fault.
/// </summary>
internal static class RequestEncoding
{
    public static GatewayError? Unsupported(HttpRequest request)
    {
        var encoding = request.Headers.ContentEncoding.ToString();
        return encoding.Length == 0 || encoding.Equals("identity", StringComparison.OrdinalIgnoreCase) ? null : GatewayError.UnsupportedEncoding(encoding);
    }
}
