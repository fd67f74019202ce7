using Tokenwise.Caching;
using Tokenwise.Configuration;

namespace Tokenwise.Tests.Configuration;

public sealed class SettingsLoaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tokenwise-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Yaml(string text)
    {
        var path = Path.Combine(_dir, "tokenwise.yaml");
        File.WriteAllText(path, text);
        return path;
    }

    private static readonly Dictionary<string, string?> NoEnvironment = [];

    [Fact]
    public void RunsWithNoConfigAndNoProviders()
    {
        var options = SettingsLoader.Load(null, NoEnvironment);
        Assert.Empty(options.Providers);
        Assert.Equal(ServerOptions.DefaultUrl, options.Server.Urls);
    }

    [Fact]
    public void OpenAIComesFromTheEnvironment()
    {
        var options = SettingsLoader.Load(null, new Dictionary<string, string?> { ["OPENAI_API_KEY"] = "sk-x", ["OPENAI_BASE_URL"] = "http://127.0.0.1:9/v1" });
        var openai = options.Providers["openai"];
        Assert.Equal("http://127.0.0.1:9/v1", openai.BaseUrl);
        Assert.Equal("OPENAI_API_KEY", openai.ApiKeyEnv);
    }

    [Theory]
    [InlineData("GEMINI_API_KEY")]
    [InlineData("GOOGLE_API_KEY")]
    public void GeminiComesFromTheEnvironment(string keyVariable)
    {
        var options = SettingsLoader.Load(null, new Dictionary<string, string?> { [keyVariable] = "g-x", ["GEMINI_BASE_URL"] = "http://127.0.0.1:9" });
        var gemini = options.Providers["gemini"];
        Assert.Equal(("gemini", "http://127.0.0.1:9", keyVariable), (gemini.Type, gemini.BaseUrl, gemini.ApiKeyEnv));
    }

    [Fact]
    public void AGeminiProviderWithoutAKeyIsRejected()
    {
        var e = Assert.Throws<ConfigurationException>(() => SettingsLoader.Load(Yaml("providers:\n  google:\n    type: gemini\n"), NoEnvironment));
        Assert.Contains("GEMINI_API_KEY", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnthropicComesFromTheEnvironment()
    {
        var options = SettingsLoader.Load(null, new Dictionary<string, string?> { ["ANTHROPIC_API_KEY"] = "sk-ant-x", ["ANTHROPIC_BASE_URL"] = "http://127.0.0.1:9" });
        var anthropic = options.Providers["anthropic"];
        Assert.Equal(("anthropic", "http://127.0.0.1:9", "ANTHROPIC_API_KEY"), (anthropic.Type, anthropic.BaseUrl, anthropic.ApiKeyEnv));
    }

    [Fact]
    public void AnAnthropicProviderWithoutItsKeyIsNamed()
    {
        var e = Assert.Throws<ConfigurationException>(() => SettingsLoader.Load(Yaml("providers:\n  claude:\n    type: anthropic\n"), NoEnvironment));
        Assert.Contains("ANTHROPIC_API_KEY is not set", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DemoAddsTheSimulatedProvider()
    {
        var options = SettingsLoader.Load(null, NoEnvironment, new Dictionary<string, string?> { ["demo"] = "true" });
        Assert.Equal("simulated", options.Providers["simulated"].Type);
    }

    [Fact]
    public void AFullConfigBinds()
    {
        var options = SettingsLoader.Load(Yaml("""
            server:
              urls: http://127.0.0.1:9000
              log_bodies: true
            storage:
              sqlite_path: /tmp/x.db
            providers:
              local:
                type: openai-compatible
                base_url: http://localhost:11434/v1
            models:
              - name: fast
                provider: local
                upstream_model: llama3.2
                input_cost_per_token: 0
                output_cost_per_token: 0.000001
            """), NoEnvironment);

        Assert.True(options.Server.LogBodies);
        Assert.Equal("llama3.2", options.Models[0].UpstreamModel);
        Assert.Equal(0.000001m, options.Models[0].OutputCostPerToken);
    }

    [Fact]
    public void AnUnknownSettingIsNamedWithItsLine()
    {
        var e = Assert.Throws<ConfigurationException>(() => SettingsLoader.Load(Yaml("""
            server:
              urls: http://127.0.0.1:9000
              max_body: 10
            """), NoEnvironment));
        Assert.Contains("server.max_body (tokenwise.yaml line 3): unknown setting", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABadValueIsNamed()
    {
        var e = Assert.Throws<ConfigurationException>(() => SettingsLoader.Load(Yaml("""
            server:
              max_request_body_bytes: lots
            """), NoEnvironment));
        Assert.Equal(["server.max_request_body_bytes (tokenwise.yaml line 2): must be a whole number from -9,223,372,036,854,775,808 to "
            + "9,223,372,036,854,775,807, got 'lots'."], e.Errors);
    }

    [Theory]
    [InlineData("upstream:\n  total_timeout_seconds: 1e300", "upstream.total_timeout_seconds (tokenwise.yaml line 2): must be a number of seconds greater than 0 and at most 86400 (a day), got 1E+300.")]
    [InlineData("upstream:\n  first_byte_timeout_seconds: 9999999999", "upstream.first_byte_timeout_seconds (tokenwise.yaml line 2): must be a number of seconds greater than 0 and at most 86400 (a day)")]
    [InlineData("routes:\n  - name: r\n    deployments:\n      - model: x\n        first_byte_timeout_seconds: 0", "routes.0.deployments.0.first_byte_timeout_seconds (tokenwise.yaml line 5): must be a number of seconds greater than 0")]
    [InlineData("routes:\n  - name: r\n    fallback:\n      cooldown_seconds: 1e300\n    deployments:\n      - model: x", "routes.0.fallback.cooldown_seconds (tokenwise.yaml line 4): must be between 0 and 86400 seconds (a day)")]
    public void ATimeoutBeyondADayStopsStartUpNamingTheSetting(string yaml, string expected)
    {
        // Before, 1e300 seconds overflowed TimeSpan at start-up (a stack trace) and 9999999999 failed every request.
        var e = Assert.Throws<ConfigurationException>(() => SettingsLoader.Load(Yaml(yaml), NoEnvironment));
        Assert.Contains(e.Errors, m => m.StartsWith(expected, StringComparison.Ordinal));
    }


    [Theory]
    [InlineData("10", "must be between 1000 and 100000000, got 10.")]
    [InlineData("2000000000", "must be between 1000 and 100000000, got 2000000000.")]
    public void AUsageLogBacklogCapOutsideItsRangeStopsStartUpNamingTheSetting(string value, string expected)
    {
        var e = Assert.Throws<ConfigurationException>(() => SettingsLoader.Load(Yaml($"storage:\n  max_pending_records: {value}"), NoEnvironment));
        Assert.Contains(e.Errors, m => m.StartsWith("storage.max_pending_records", StringComparison.Ordinal) && m.EndsWith(expected, StringComparison.Ordinal));
    }
    [Fact]
    public void AValueOutsideAnEnumsNamesListsTheNames()
    {
        var e = Assert.Throws<ConfigurationException>(() => SettingsLoader.Load(Yaml("""
            cache:
              mode: telepathic
            """), NoEnvironment));
        Assert.Equal(["cache.mode (tokenwise.yaml line 2): must be one of off, exact, semantic, got 'telepathic'."], e.Errors);
    }

    [Theory]
    [InlineData("providers: 5", "providers (tokenwise.yaml line 1): must map names to their settings, not the single value '5'.")]
    [InlineData("providers:\n  openai: on", "providers.openai (tokenwise.yaml line 2): must hold settings (indented lines of name: value), not the single value 'on'.")]
    [InlineData("models: [gpt-4o]", "models.0 (tokenwise.yaml line 1): must hold settings (indented lines of name: value), not the single value 'gpt-4o'.")]
    [InlineData("cache: semantic", "cache (tokenwise.yaml line 1): must hold settings (indented lines of name: value), not the single value 'semantic'.")]
    public void AValueWhereSettingsBelongIsNamedRatherThanIgnored(string yaml, string expected)
    {
        // Without the check the binder skips the value, and the gateway would start without the providers or models meant.
        var e = Assert.Throws<ConfigurationException>(() => SettingsLoader.Load(Yaml(yaml), NoEnvironment));
        Assert.Single(e.Errors);
        Assert.StartsWith(expected, e.Errors[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("upstream:\n  connect_timeout_seconds: {seconds: 5}", "upstream.connect_timeout_seconds (tokenwise.yaml line 2)")]
    [InlineData("providers:\n  openai:\n    http_version: [1.1, 2]", "providers.openai.http_version (tokenwise.yaml line 3)")]
    [InlineData("budgets:\n  time_zone:\n    - Europe/Paris", "budgets.time_zone (tokenwise.yaml line 3)")]
    public void AListOrSettingsWhereOneValueBelongsIsNamedRatherThanIgnored(string yaml, string setting)
    {
        // Without the check the binder skips them, and the gateway would start on the setting's default.
        var e = Assert.Throws<ConfigurationException>(() => SettingsLoader.Load(Yaml(yaml), NoEnvironment));
        Assert.Equal([$"{setting}: must be a single value, not a list or indented settings. See docs/configuration.md for the settings."], e.Errors);
    }

    [Theory]
    [InlineData("pricing:\n  overrides_file: \"prices\\u0000.json\"", "pricing.overrides_file (tokenwise.yaml line 2)")]
    [InlineData("storage:\n  sqlite_path: \"\\0\"", "storage.sqlite_path (tokenwise.yaml line 2)")]
    public void ANulCharacterInASettingIsNamedNotAnUnhandledException(string yaml, string setting)
    {
        var e = Assert.Throws<ConfigurationException>(() => SettingsLoader.Load(Yaml(yaml), NoEnvironment));
        Assert.Equal([$"{setting}: must not contain a NUL character (\\u0000)."], e.Errors);
    }

    [Fact]
    public void EveryProblemIsReportedAtOnce()
    {
        var e = Assert.Throws<ConfigurationException>(() => SettingsLoader.Load(Yaml("""
            upstream:
              total_timeout_seconds: 0
            providers:
              groq:
                type: openai-compatible
            models:
              - name: fast
                provider: nowhere
            """), NoEnvironment));
        Assert.Contains(e.Errors, m => m.StartsWith("upstream.total_timeout_seconds (tokenwise.yaml line 2)", StringComparison.Ordinal));
        Assert.Contains(e.Errors, m => m.StartsWith("providers.groq.base_url", StringComparison.Ordinal));
        Assert.Contains(e.Errors, m => m.StartsWith("models.0.provider (tokenwise.yaml line 8): 'nowhere' is not a configured provider", StringComparison.Ordinal));
    }

    [Fact]
    public void ListeningBeyondLoopbackNeedsAMasterKey()
    {
        var settings = new Dictionary<string, string?> { ["server:urls"] = "http://0.0.0.0:8787" };
        var e = Assert.Throws<ConfigurationException>(() => SettingsLoader.Load(null, NoEnvironment, settings));
        Assert.Contains("TOKENWISE_MASTER_KEY", e.Message, StringComparison.Ordinal);

        var withKey = SettingsLoader.Load(null, new Dictionary<string, string?> { ["TOKENWISE_MASTER_KEY"] = "k" }, settings);
        Assert.Equal("k", withKey.MasterKey);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ; ")]
    public void NoAddressToListenOnIsRejectedNotKestrelsDefault(string urls)
    {
        var e = Assert.Throws<ConfigurationException>(() => SettingsLoader.Load(null, NoEnvironment, new Dictionary<string, string?> { ["server:urls"] = urls }));
        Assert.Equal(["server.urls: names no address; give one or more, ';'-separated, such as http://127.0.0.1:8787."], e.Errors);
    }

    [Fact]
    public void AnHttpsAddressNeedsACertificateAndAKeyNeedsItsCertificate()
    {
        var https = Assert.Throws<ConfigurationException>(() =>
            SettingsLoader.Load(null, NoEnvironment, new Dictionary<string, string?> { ["server:urls"] = "https://127.0.0.1:8443" }));
        Assert.Equal(["server.urls: 'https://127.0.0.1:8443' needs a certificate: set server.tls_certificate (and server.tls_key) to PEM files, "
            + "or listen on http:// behind whatever terminates TLS."], https.Errors);

        var keyAlone = Assert.Throws<ConfigurationException>(() => SettingsLoader.Load(Yaml("server:\n  tls_key: key.pem\n"), NoEnvironment));
        Assert.Equal(["server.tls_key (tokenwise.yaml line 2): is set without server.tls_certificate, the certificate it is the key of."], keyAlone.Errors);

        var served = SettingsLoader.Load(null, NoEnvironment,
            new Dictionary<string, string?> { ["server:urls"] = "https://127.0.0.1:8443", ["server:tls_certificate"] = "gateway.pem" });
        Assert.Equal(("gateway.pem", null), (served.Server.TlsCertificate, served.Server.TlsKey));
    }

    [Fact]
    public void EnvironmentVariablesOverrideTheFile()
    {
        var options = SettingsLoader.Load(Yaml("server:\n  log_bodies: false\n"),
            new Dictionary<string, string?> { ["TOKENWISE_SERVER__LOG_BODIES"] = "true" });
        Assert.True(options.Server.LogBodies);
    }

    [Fact]
    public void AVariableNamesItsProviderInLowerCaseSoItCompletesTheOneTheEnvironmentAdds()
    {
        // The provider took the variable's spelling: calls were logged as provider OPENAI, and errors named providers.OPENAI.
        var options = SettingsLoader.Load(null, new Dictionary<string, string?>
        {
            ["OPENAI_API_KEY"] = "sk-x", ["TOKENWISE_PROVIDERS__OPENAI__HTTP_VERSION"] = "1.1",
        });
        var (name, provider) = Assert.Single(options.Providers);
        Assert.Equal(("openai", "1.1", "openai"), (name, provider.HttpVersion, provider.Type));
    }

    [Theory]
    [InlineData("server:\n  urls:\n", "server.urls (tokenwise.yaml line 2): has no value.")]                    // a NullReferenceException
    [InlineData("cache:\n  embeddings:\n    precision: ~\n", "cache.embeddings.precision (tokenwise.yaml line 3): has no value.")]
    [InlineData("cache:\n  mode:\n", "cache.mode (tokenwise.yaml line 2): has no value.")]                       // bound as off: the cache off
    [InlineData("routes:\n  - name: r\n    fallback:\n      on: [rate_limit, ~]\n    deployments:\n      - model: m\n", "routes.0.fallback.on.1 (tokenwise.yaml line 4): has no value.")]
    [InlineData("cache:\n  mode: 7\n", "cache.mode (tokenwise.yaml line 2): must be one of off, exact, semantic, got '7'.")] // ran in mode "7"
    [InlineData("cache:\n  mode: off, semantic\n", "cache.mode (tokenwise.yaml line 2): must be one of off, exact, semantic, got 'off, semantic'.")]
    public void ABlankValueOrANumberForANameStopsStartUpNamingTheSetting(string yaml, string expected)
    {
        var e = Assert.Throws<ConfigurationException>(() => SettingsLoader.Load(Yaml(yaml), NoEnvironment));
        Assert.Contains(e.Errors, m => m.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void AnEmptyVariableStopsStartUpNamingIt()
    {
        var e = Assert.Throws<ConfigurationException>(() => SettingsLoader.Load(null, new Dictionary<string, string?> { ["TOKENWISE_STORAGE__BATCH_SIZE"] = "" }));
        Assert.Equal(["storage.batch_size (environment variable TOKENWISE_STORAGE__BATCH_SIZE): has no value. Give it one, or leave the setting out for its default."], e.Errors);
        Assert.Equal("Semantic", SettingsLoader.Load(null, new Dictionary<string, string?> { ["TOKENWISE_CACHE__MODE"] = "Semantic" }).Cache.Mode.ToString());
    }

    [Fact]
    public void TheAdminCommandsAddressIsNoSettingSoItDoesNotStopTheGateway()
    {
        // TOKENWISE_URL tells `tokenwise keys|budgets|cache stats ...` where the gateway is; `serve` and `report` refused it as an unknown setting.
        var options = SettingsLoader.Load(null, new Dictionary<string, string?> { [SettingsLoader.UrlVariable] = "http://127.0.0.1:9", ["TOKENWISE_MASTER_KEY"] = "mk" });
        Assert.Equal(("mk", ServerOptions.DefaultUrl), (options.MasterKey, options.Server.Urls));
        var e = Assert.Throws<ConfigurationException>(() => SettingsLoader.Load(null, new Dictionary<string, string?> { ["TOKENWISE_URLS"] = "http://127.0.0.1:9" }));
        Assert.Contains("environment variable TOKENWISE_URLS): unknown setting", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("OPENAI", "OPENAI_API_KEY", "OPENAI_BASE_URL", "openai")]
    [InlineData("ANTHROPIC", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "anthropic")]
    public void AProviderSetFromTheEnvironmentOnlyInPartKeepsItsTypeAndTheEnvironmentsBaseUrl(string name, string keyVariable, string urlVariable, string type)
    {
        var options = SettingsLoader.Load(null, new Dictionary<string, string?>
        {
            [keyVariable] = "sk-env",
            [urlVariable] = "http://127.0.0.1:9/v1",
            [$"TOKENWISE_PROVIDERS__{name}__HTTP_VERSION"] = "2",
        });

        var provider = Assert.Single(options.Providers).Value;
        Assert.Equal((type, "http://127.0.0.1:9/v1", "2"), (provider.Type, provider.BaseUrl, provider.HttpVersion));
    }

    [Fact]
    public void AMissingProviderKeyIsNamed()
    {
        var e = Assert.Throws<ConfigurationException>(() => SettingsLoader.Load(Yaml("providers:\n  openai:\n    type: openai\n"), NoEnvironment));
        Assert.Contains("OPENAI_API_KEY is not set", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidYamlIsReportedWithItsLine()
    {
        var e = Assert.Throws<ConfigurationException>(() => SettingsLoader.Load(Yaml("server:\n  urls: [unclosed\n"), NoEnvironment));
        Assert.Contains("invalid YAML", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SemanticCachingIsConfiguredGloballyAndPerModel()
    {
        var options = SettingsLoader.Load(Yaml("""
            cache:
              mode: exact
              threshold: 0.92
              embeddings:
                url: http://127.0.0.1:11434/v1
                model: nomic-embed-text
              models:
                support-faq:
                  mode: semantic
                  threshold: 0.95
                gpt-4o:
                  mode: semantic
            """), NoEnvironment);
        Assert.True(options.Cache.UsesSemantic);
        Assert.Equal((CacheMode.Semantic, 0.95), options.Cache.For("support-faq"));
        Assert.Equal((CacheMode.Semantic, 0.92), options.Cache.For("gpt-4o"));
        Assert.Equal((CacheMode.Exact, 0.92), options.Cache.For("gpt-4o-mini"));
        Assert.False(SettingsLoader.Load(null, NoEnvironment).Cache.UsesSemantic); // off by default
    }

    [Theory]
    [InlineData("cache:\n  threshold: 1.5\n", "cache.threshold")]
    [InlineData("cache:\n  models:\n    faq:\n      threshold: 0\n", "cache.models.faq.threshold")]
    [InlineData("cache:\n  models:\n    faq:\n      mode: fuzzy\n", "cache.models.faq.mode")]
    [InlineData("cache:\n  models:\n    faq:\n      ttl: 3\n", "cache.models.faq.ttl")]
    [InlineData("cache:\n  embeddings:\n    url: localhost:11434\n    model: m\n", "cache.embeddings.url")]
    [InlineData("cache:\n  embeddings:\n    url: http://127.0.0.1:11434/v1\n", "cache.embeddings.model")]
    [InlineData("cache:\n  embeddings:\n    model: m\n", "cache.embeddings.model")]
    [InlineData("cache:\n  embeddings:\n    url: http://127.0.0.1:11434/v1\n    model: m\n    api_key_env: NO_SUCH_KEY\n", "NO_SUCH_KEY")]
    [InlineData("cache:\n  embeddings:\n    timeout_ms: 0\n", "cache.embeddings.timeout_ms")]
    public void BadSemanticCacheSettingsStopStartUpNamingTheSetting(string yaml, string named)
    {
        var e = Assert.Throws<ConfigurationException>(() => SettingsLoader.Load(Yaml(yaml), NoEnvironment));
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }
}
