using Tokenwise.Sensitivity;

namespace Tokenwise.Tests.Sensitivity;

public sealed class SensitivityDetectorTests
{
    private static SensitiveSpan Single(string text, SensitiveKind kind)
    {
        var finding = Assert.Single(SensitivityDetector.Detect(text));
        Assert.Equal(kind, finding.Kind);
        Assert.Equal(finding.Value, text.Substring(finding.Start, finding.Length));
        return finding;
    }

    [Theory]
    [InlineData("Write to jane.doe+billing@example.co.uk today", "jane.doe+billing@example.co.uk")]
    [InlineData("contact: a_b@sub.example.org.", "a_b@sub.example.org")]
    public void FindsEmails(string text, string value) => Assert.Equal(value, Single(text, SensitiveKind.Email).Value);

    [Theory]
    [InlineData("Call +44 20 7946 0958 please", "+44 20 7946 0958")]
    [InlineData("tel +1 (415) 555-2671", "+1 (415) 555-2671")]
    [InlineData("mobile: +33 6 12 34 56 78", "+33 6 12 34 56 78")]
    [InlineData("+4915123456789 is my number", "+4915123456789")]
    [InlineData("US office (212) 555-0199.", "(212) 555-0199")]
    [InlineData("or 212-555-0199", "212-555-0199")]
    public void FindsPhoneNumbers(string text, string value) => Assert.Equal(value, Single(text, SensitiveKind.Phone).Value);

    [Theory]
    [InlineData("Visa 4111 1111 1111 1111 exp 12/27", "4111 1111 1111 1111")]
    [InlineData("card:5500-0000-0000-0004", "5500-0000-0000-0004")]
    [InlineData("amex 378282246310005", "378282246310005")]
    public void FindsCardNumbersWithAValidLuhnCheck(string text, string value) => Assert.Equal(value, Single(text, SensitiveKind.CardNumber).Value);

    [Theory]
    [InlineData("Pay to DE89 3704 0044 0532 0130 00 by Friday", "DE89 3704 0044 0532 0130 00")]
    [InlineData("IBAN GB82WEST12345698765432", "GB82WEST12345698765432")]
    [InlineData("FR1420041010050500013M02606 is the account", "FR1420041010050500013M02606")]
    public void FindsIbansWithAValidMod97Check(string text, string value) => Assert.Equal(value, Single(text, SensitiveKind.Iban).Value);

    [Theory]
    [InlineData("SSN 123-45-6789 on file", "123-45-6789", "US SSN")]
    [InlineData("DNI 12345678Z", "12345678Z", "ES DNI/NIE")]
    [InlineData("NIE X1234567L", "X1234567L", "ES DNI/NIE")]
    [InlineData("NIR 2 69 05 49 588 157 80", "2 69 05 49 588 157 80", "FR NIR")]
    public void FindsNationalIds(string text, string value, string scheme)
    {
        var finding = Single(text, SensitiveKind.NationalId);
        Assert.Equal(value, finding.Value);
        Assert.Equal(scheme, finding.Detail);
    }

    [Theory]
    [InlineData("key sk-proj-Abc123Def456Ghi789Jkl012Mno345")]
    [InlineData("ANTHROPIC_API_KEY=sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123")]
    [InlineData("aws AKIAIOSFODNN7EXAMPLE")]
    [InlineData("token ghp_abcdefghijklmnopqrstuvwxyz0123456789")]
    [InlineData("slack xoxb-123456789012-abcdefghij")]
    [InlineData("-----BEGIN RSA PRIVATE KEY-----")]
    public void FindsApiKeysByPrefix(string text) => Single(text, SensitiveKind.ApiKey);

    [Theory]
    [InlineData("password: q7Xv9LmP2rT8wK4zN6bY3cJ5")]
    [InlineData("secret=7f3a9c2e5b8d1f4a6c0e9b3d7a2f5c8e")]
    public void FindsHighEntropyTokens(string text) => Single(text, SensitiveKind.HighEntropyToken);

    [Theory]
    [InlineData("The quick brown fox jumps over the lazy dog. Internationalization and responsibilities matter.")]
    [InlineData("Meeting on 2024-01-15 at 10:30, then 2024/02/01; version 1.2.3; 3.14159 and 1,234,567.89 dollars.")]
    [InlineData("Request id 550e8400-e29b-41d4-a716-446655440000 failed.")]
    [InlineData("for (int i = 0; i < 10; i++) { total += values[i] * 2; } // AbstractSingletonProxyFactoryBean")]
    [InlineData("Order 4111111111111112 was shipped")] // fails Luhn
    [InlineData("Tracking number 1234567890123456")] // fails Luhn and issuer
    [InlineData("Reference DE00 1234 5678 9012 3456 78")] // fails mod 97
    [InlineData("ISBN 978-3-16-148410-0 and phone-like 12345678")]
    [InlineData("The answer is 42 and the year 1999; zip 94105; room 101.")]
    [InlineData("See https://example.com/docs/getting-started/installation-guide for details")]
    [InlineData("DNI 12345678A")] // wrong check letter
    [InlineData("skills: sk-learn is a library")]
    [InlineData("const camelCaseIdentifierName = getUserAccountSettings();")]
    public void DoesNotFlagOrdinaryText(string text) => Assert.Empty(SensitivityDetector.Detect(text));

    [Fact]
    public void FindingsDoNotOverlapAndComeInTextOrder()
    {
        var text = "Mail bob@example.com, card 4111 1111 1111 1111, key sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123, call +1 415 555 2671.";

        var findings = SensitivityDetector.Detect(text);

        Assert.Equal([SensitiveKind.Email, SensitiveKind.CardNumber, SensitiveKind.ApiKey, SensitiveKind.Phone], findings.Select(f => f.Kind));
        for (var i = 1; i < findings.Count; i++)
        {
            Assert.True(findings[i - 1].End <= findings[i].Start);
        }
    }

    [Fact]
    public void ChecksumsAgreeWithPublishedExamples()
    {
        Assert.True(Checksums.Luhn("79927398713"));
        Assert.False(Checksums.Luhn("79927398710"));
        Assert.True(Checksums.Iban("GB82WEST12345698765432"));
        Assert.False(Checksums.Iban("GB82WEST12345698765433"));
        Assert.True(Checksums.SpanishId("12345678Z"));
        Assert.True(Checksums.FrenchNir("269054958815780"));
        Assert.False(Checksums.FrenchNir("269054958815781"));
        Assert.Equal(0, Checksums.Entropy("aaaa"));
        Assert.Equal(2, Checksums.Entropy("abcd"), 12);
    }
}
