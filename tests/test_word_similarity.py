"""The static word-vector signal credits synonyms and ignores unrelated words."""

from assistant.word_similarity import WordSimilarity


def test_synonyms_get_credit_and_unrelated_words_do_not(models_dir):
    similarity = WordSimilarity(models_dir)
    credit = similarity.match(["people", "arrested", "sporting"], ["individuals", "detained", "weather"])
    assert credit[0] > 0.3 and credit[1] > 0.3
    assert credit[2] == 0.0
    assert list(similarity.match([], ["a"])) == [] and list(similarity.match(["a"], [])) == [0.0]
