export const SEARCH_QUEUE = 'search';
