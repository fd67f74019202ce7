using Tokenwise.Pipeline;

namespace Tokenwise.Providers.Translation;

/// <summary>
/// A request field the target dialect cannot express, or a value the translation cannot read; becomes a
/// 400 in the client's dialect that names the field in <see cref="Param"/>.
/// </summary>
internal sealed class UnsupportedFeature(string param, string message, string code = "unsupported_parameter") : Exception(message)
{
    public string Param { get; } = param;
    public string Code { get; } = code;

    /// <summary>
    /// Whether <paramref name="e"/> is System.Text.Json refusing to read a node as another kind (an object where the
    /// client sent a number, a string where it sent an array): a request the translation could not read, the client's
    /// to fix, for the shapes the translation does not check one by one.
    /// </summary>
    public static bool IsWrongJsonKind(InvalidOperationException e) => e.Source == "System.Text.Json";

    public static GatewayError WrongJsonKind(InvalidOperationException e) =>
        GatewayError.InvalidRequest($"A field of the request has a type this model's translation cannot read: {e.Message}", "invalid_type");
}
