/**
 * English stop words dropped before stemming: function words that carry no topic and would
 * otherwise dominate every document's term list. Checked on the lowercased, apostrophe-free
 * token (so "don't" arrives here as "dont"). Contractions that collapse onto real words
 * ("we'll" -> well, "she'll" -> shell, "I'd" -> id) are not listed: the words matter more.
 */
export const ENGLISH_STOP_WORDS: ReadonlySet<string> = new Set(
  `
  a about above after again against all am an and any are arent as at be because been before
  being below between both but by can cannot cant could couldnt did didnt do does doesnt doing
  dont down during each few for from further had hadnt has hasnt have havent having he hed her
  here heres hers herself hes him himself his how hows i if im in into is isnt it its itself
  ive lets me more most mustnt my myself no nor not of off on once only or other ought our
  ours ourselves out over own same shant she shes should shouldnt so some such than that thats
  the their theirs them themselves then there theres these they theyd theyll theyre theyve
  this those through to too under until up very was wasnt we were weve werent what whats when
  whens where wheres which while who whom whos why whys will with wont would wouldnt you youd
  youll your youre yours yourself yourselves youve
  `
    .trim()
    .split(/\s+/),
);
