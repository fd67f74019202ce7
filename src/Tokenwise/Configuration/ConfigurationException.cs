namespace Tokenwise.Configuration;

/// <summary>A configuration problem, reported at start-up with what is wrong and where.</summary>
public sealed class ConfigurationException(string message) : Exception(message)
{
    public ConfigurationException(IReadOnlyList<string> errors)
        : this("The configuration is invalid:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  - " + e)))
    {
        Errors = errors;
    }

    public IReadOnlyList<string> Errors { get; } = [message];
}
