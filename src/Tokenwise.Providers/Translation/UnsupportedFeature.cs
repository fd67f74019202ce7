namespace Tokenwise.Providers.Translation;

/// <summary>
/// A request field the target dialect cannot express, or a value the translation cannot read; becomes a
/// 400 in the client's dialect that names the field in <see cref="Param"/>.
/// </summary>
internal sealed class UnsupportedFeature(string param, string message, string code = "unsupported_parameter") : Exception(message)
{
    public string Param { get; } = param;
    public string Code { get; } = code;
}
