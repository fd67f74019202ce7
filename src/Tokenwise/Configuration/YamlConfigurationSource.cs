using Microsoft.Extensions.Configuration;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Tokenwise.Configuration;

/// <summary>
/// Reads a YAML file into configuration keys (<c>server:urls</c>, <c>models:0:name</c>), remembering
/// each key's line so that validation errors can point at it.
/// </summary>
public sealed class YamlConfigurationSource(string path) : IConfigurationSource
{
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    /// <summary>The line each key was read from, for error messages.</summary>
    public Dictionary<string, int> Lines { get; } = new(StringComparer.OrdinalIgnoreCase);

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new Provider(this);

    private sealed class Provider(YamlConfigurationSource source) : ConfigurationProvider
    {
        public override void Load()
        {
            if (!File.Exists(source.Path))
            {
                throw new ConfigurationException($"The config file '{source.Path}' does not exist.");
            }

            var stream = new YamlStream();
            try
            {
                using var reader = new StreamReader(source.Path);
                stream.Load(reader);
            }
            catch (YamlException e)
            {
                throw new ConfigurationException($"{source.Path}:{e.Start.Line}: invalid YAML: {e.InnerException?.Message ?? e.Message}");
            }

            var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            if (stream.Documents.Count > 0)
            {
                if (stream.Documents[0].RootNode is not YamlMappingNode root)
                {
                    throw new ConfigurationException($"{source.Path}: the config must be a YAML mapping of settings.");
                }

                Flatten(root, null, data);
            }

            Data = data;
        }

        private void Flatten(YamlNode node, string? prefix, Dictionary<string, string?> data)
        {
            if (prefix is not null)
            {
                source.Lines[prefix] = (int)node.Start.Line;
            }

            switch (node)
            {
                case YamlMappingNode mapping:
                    foreach (var (key, value) in mapping.Children)
                    {
                        var name = ((YamlScalarNode)key).Value ?? "";
                        Flatten(value, prefix is null ? name : ConfigurationPath.Combine(prefix, name), data);
                    }

                    break;
                case YamlSequenceNode sequence:
                    for (var i = 0; i < sequence.Children.Count; i++)
                    {
                        Flatten(sequence.Children[i], ConfigurationPath.Combine(prefix!, i.ToString(System.Globalization.CultureInfo.InvariantCulture)), data);
                    }

                    break;
                case YamlScalarNode scalar:
                    var isNull = scalar.Style == ScalarStyle.Plain && scalar.Value is null or "" or "~" or "null";
                    data[prefix!] = isNull ? null : scalar.Value;
                    break;
            }
        }
    }
}
