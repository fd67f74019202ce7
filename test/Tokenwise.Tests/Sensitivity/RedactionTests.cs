using Tokenwise.Sensitivity;

namespace Tokenwise.Tests.Sensitivity;

public sealed class RedactionTests
{
    [Fact]
    public void ReplacesFindingsWithNumberedPlaceholdersAndRestoresThem()
    {
        var prompt = "Email ann@example.com and bob@example.org, then ann@example.com again. Card 4111 1111 1111 1111.";

        var redaction = Redaction.Redact(prompt);

        Assert.Equal("Email [EMAIL_1] and [EMAIL_2], then [EMAIL_1] again. Card [CARD_1].", redaction.Text);
        Assert.DoesNotContain("ann@example.com", redaction.Text, StringComparison.Ordinal);
        Assert.Equal(3, redaction.Placeholders.Count);

        var answer = "I wrote to [EMAIL_1] and [EMAIL_2]; the card [CARD_1] is on file.";
        Assert.Equal("I wrote to ann@example.com and bob@example.org; the card 4111 1111 1111 1111 is on file.", redaction.Restore(answer));
        Assert.Equal(prompt, redaction.Restore(redaction.Text));
    }

    [Fact]
    public void TextWithoutFindingsIsUnchanged()
    {
        var redaction = Redaction.Redact("Nothing to hide here [EMAIL_1].");

        Assert.Equal("Nothing to hide here [EMAIL_1].", redaction.Text);
        Assert.Empty(redaction.Findings);
        Assert.Equal("[EMAIL_1]", redaction.Restore("[EMAIL_1]"));
    }

    [Fact]
    public void ManyPlaceholdersOfOneKindRestoreExactly()
    {
        var emails = Enumerable.Range(1, 12).Select(i => $"user{i}@example.com").ToArray();
        var redaction = Redaction.Redact(string.Join(" ", emails));

        Assert.Equal(string.Join(" ", Enumerable.Range(1, 12).Select(i => $"[EMAIL_{i}]")), redaction.Text);
        Assert.Equal(string.Join(" ", emails), redaction.Restore(redaction.Text));
    }
}
