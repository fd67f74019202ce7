namespace Tokenwise.Caching;

/// <summary>One <c>--contextual</c> case: is <see cref="QuestionB"/> after <see cref="ContextB"/> answered by what was cached for <see cref="QuestionA"/> after <see cref="ContextA"/>?</summary>
internal sealed record ContextualRow(string ContextA, string QuestionA, string ContextB, string QuestionB, bool ShouldHit);
