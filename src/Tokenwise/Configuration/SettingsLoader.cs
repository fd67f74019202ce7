using System.Collections;
using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Tokenwise.Configuration;

/// <summary>
/// Loads the settings: the YAML file, then <c>TOKENWISE_*</c> environment variables, then explicit
/// overrides (command-line flags); adds the providers the environment provides (<c>OPENAI_API_KEY</c>,
/// <c>ANTHROPIC_API_KEY</c>);
/// then rejects unknown settings and invalid values with messages that name them.
/// </summary>
public static class SettingsLoader
{
    public const string EnvironmentPrefix = "TOKENWISE_";

    /// <summary>The admin commands' address of a running gateway: it has the prefix but is no setting of the gateway's.</summary>
    public const string UrlVariable = EnvironmentPrefix + "URL";

    public static TokenwiseOptions Load(string? configPath, IReadOnlyDictionary<string, string?> environment, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var builder = new ConfigurationBuilder();
        YamlConfigurationSource? yaml = null;
        if (configPath is not null)
        {
            yaml = new YamlConfigurationSource(configPath);
            builder.Add(yaml);
        }

        var fromEnvironment = environment
            .Where(e => e.Key.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase) && !e.Key.Equals(UrlVariable, StringComparison.OrdinalIgnoreCase))
            // Lower-cased: settings are named in lower case, and a name a variable introduces (a provider's, say) is
            // otherwise taken as the variable spells it, so TOKENWISE_PROVIDERS__OPENAI__* would rename the openai provider.
            .ToDictionary(e => e.Key[EnvironmentPrefix.Length..].Replace("__", ":", StringComparison.Ordinal).ToLowerInvariant(), e => e.Value,
                StringComparer.OrdinalIgnoreCase);
        builder.AddInMemoryCollection(fromEnvironment);
        builder.AddInMemoryCollection(overrides ?? new Dictionary<string, string?>());
        var configuration = builder.Build();

        string Where(string key) =>
            yaml is not null && yaml.Lines.TryGetValue(key, out var line) ? $" ({System.IO.Path.GetFileName(yaml.Path)} line {line})"
            : fromEnvironment.ContainsKey(key) ? $" (environment variable {EnvironmentPrefix}{key.Replace(":", "__", StringComparison.Ordinal).ToUpperInvariant()})"
            : "";

        var errors = new List<string>();
        CheckKnown(configuration, typeof(TokenwiseOptions), "", errors, Where);
        if (errors.Count > 0)
        {
            throw new ConfigurationException(errors);
        }

        var options = new TokenwiseOptions();
        try
        {
            configuration.Bind(options);
        }
        catch (InvalidOperationException e)
        {
            // The binder names the key and the type it expected, e.g. "Failed to convert ... at 'server:max_request_body_bytes'".
            throw new ConfigurationException([e.Message + (e.InnerException is null ? "" : " " + e.InnerException.Message)]);
        }

        AddEnvironmentProviders(options, environment);
        errors.AddRange(TokenwiseOptionsValidator.Validate(options, environment).Select(e => e.Path.Length == 0 ? e.Message
            : $"{e.Path.Replace(':', '.')}{Where(e.Path)}: {e.Message}"));
        if (errors.Count > 0)
        {
            throw new ConfigurationException(errors);
        }

        return options;
    }

    /// <summary>The process environment as a dictionary, the default source of provider keys.</summary>
    public static IReadOnlyDictionary<string, string?> ProcessEnvironment() =>
        Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value, StringComparer.Ordinal);

    /// <summary>
    /// Providers that need no config file: OpenAI from OPENAI_API_KEY, Anthropic from ANTHROPIC_API_KEY, Gemini from
    /// GEMINI_API_KEY (or GOOGLE_API_KEY), the OpenAI-compatible families of <see cref="OpenAICompatibleFamilies"/>
    /// (GROQ_API_KEY, OLLAMA_BASE_URL, ...), and the simulated one in demo mode.
    /// </summary>
    private static void AddEnvironmentProviders(TokenwiseOptions options, IReadOnlyDictionary<string, string?> environment)
    {
        AddOrComplete(options, environment, ProviderTypes.OpenAI, ProviderTypes.OpenAIKeyVariable, ProviderTypes.OpenAIBaseUrlVariable);
        AddOrComplete(options, environment, ProviderTypes.Anthropic, ProviderTypes.AnthropicKeyVariable, ProviderTypes.AnthropicBaseUrlVariable);
        AddOrComplete(options, environment, ProviderTypes.Gemini, ProviderTypes.DefaultKeyVariable(ProviderTypes.Gemini, environment)!,
            ProviderTypes.GeminiBaseUrlVariable);

        foreach (var family in OpenAICompatibleFamilies.All)
        {
            if (!options.Providers.ContainsKey(family.Name) && family.FromEnvironment(environment) is { } provider)
            {
                options.Providers[family.Name] = provider;
            }
        }

        if (options.Demo && !options.Providers.ContainsKey(ProviderTypes.Simulated))
        {
            options.Providers[ProviderTypes.Simulated] = new ProviderOptions { Type = ProviderTypes.Simulated };
        }
    }

    /// <summary>
    /// Adds provider <paramref name="type"/> when its key variable is set. A provider the settings already declare under
    /// that name without a type or base URL (say, only <c>TOKENWISE_PROVIDERS__ANTHROPIC__HTTP_VERSION</c>) is that
    /// type, at the environment's base URL.
    /// </summary>
    private static void AddOrComplete(TokenwiseOptions options, IReadOnlyDictionary<string, string?> environment, string type,
        string keyVariable, string baseUrlVariable)
    {
        var baseUrl = environment.GetValueOrDefault(baseUrlVariable) is { Length: > 0 } url ? url : null;
        if (options.Providers.TryGetValue(type, out var declared))
        {
            declared.Type ??= type;
            if (declared.Type == type)
            {
                declared.BaseUrl ??= baseUrl;
            }
        }
        else if (!string.IsNullOrEmpty(environment.GetValueOrDefault(keyVariable)))
        {
            options.Providers[type] = new ProviderOptions { Type = type, ApiKeyEnv = keyVariable, BaseUrl = baseUrl };
        }
    }

    /// <summary>Reports every key that matches no setting: a typo must not be silently ignored.</summary>
    private static void CheckKnown(IConfiguration section, Type type, string path, List<string> errors, Func<string, string> where)
    {
        foreach (var child in section.GetChildren())
        {
            var childPath = path.Length == 0 ? child.Key : ConfigurationPath.Combine(path, child.Key);
            var childType = ChildType(type, child.Key);
            var name = childPath.Replace(':', '.') + where(childPath);
            if (childType is null)
            {
                errors.Add($"{name}: unknown setting. See docs/configuration.md for the settings.");
            }
            else if (IsScalar(childType))
            {
                if (child.Value is { } text && text.Contains('\0', StringComparison.Ordinal))
                {
                    // No setting holds one (a path with one is not a path), and file APIs throw on it.
                    errors.Add($"{name}: must not contain a NUL character (\\u0000).");
                }
                else if (child.Value is { Length: > 0 } value && ConversionProblem(childType, value) is { } problem)
                {
                    errors.Add($"{name}: {problem}, got '{value}'.");
                }
                else if (child.GetChildren().Any())
                {
                    // The binder would skip a list or settings where one value belongs ("http_version: [1.1, 2]") and use the default.
                    errors.Add($"{name}: must be a single value, not a list or indented settings. See docs/configuration.md for the settings.");
                }
                else if (child.Value is null || (child.Value.Length == 0 && childType != typeof(string)))
                {
                    // A blank in YAML ("urls:", "~") or an empty variable: the binder would set null where the settings hold
                    // none (a crash later) or fail with a message that names no source. A text setting may be "" on purpose.
                    errors.Add($"{name}: has no value. Give it one, or leave the setting out for its default.");
                }
            }
            else if (child.Value is { Length: > 0 } value)
            {
                // The binder would skip a value where settings belong ("providers: 5") and start without them.
                errors.Add($"{name}: {ShapeOf(childType)}, not the single value '{value}'. See docs/configuration.md for the settings.");
            }
            else
            {
                CheckKnown(child, childType, childPath, errors, where);
            }
        }
    }

    /// <summary>What is wrong with <paramref name="value"/> for a setting of <paramref name="type"/>, converted as the binder does; null when nothing is.</summary>
    private static string? ConversionProblem(Type type, string value)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        try
        {
            // The enum converter also takes numbers ("7") and lists of names ("off, semantic"), which name no setting's value.
            if (type.IsEnum && !Enum.GetNames(type).Contains(value.Trim(), StringComparer.OrdinalIgnoreCase))
            {
                throw new FormatException();
            }

            TypeDescriptor.GetConverter(type).ConvertFromInvariantString(value);
            return null;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or NotSupportedException or OverflowException)
        {
            return type switch
            {
                _ when type.IsEnum => $"must be one of {string.Join(", ", Enum.GetNames(type).Select(n => n.ToLowerInvariant()))}",
                _ when type == typeof(bool) => "must be true or false",
                _ when type == typeof(int) => string.Create(CultureInfo.InvariantCulture, $"must be a whole number from {int.MinValue:N0} to {int.MaxValue:N0}"),
                _ when type == typeof(long) => string.Create(CultureInfo.InvariantCulture, $"must be a whole number from {long.MinValue:N0} to {long.MaxValue:N0}"),
                _ => "must be a number",
            };
        }
    }

    private static string ShapeOf(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>) ? "must be a list of entries (lines starting with '- ')"
        : type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>) ? "must map names to their settings"
        : "must hold settings (indented lines of name: value)";

    private static Type? ChildType(Type type, string key)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            return type.GetGenericArguments()[1];
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            return int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out _) ? type.GetGenericArguments()[0] : null;
        }

        return type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .FirstOrDefault(p => string.Equals(p.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? p.Name, key, StringComparison.OrdinalIgnoreCase))
            ?.PropertyType;
    }

    private static bool IsScalar(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal);
    }
}
