/** Hash routes, so the static build works from any folder: `#/` the explorer (`?open=PATH&beside=PATH` for served reports). */
import { useEffect, useState } from 'react';

/** A parsed location hash: the page and its query. */
export interface Route {
  readonly page: string;
  readonly query: URLSearchParams;
}

/** The route of a hash such as `#/?open=probe`. */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  const [page, query = ''] = path.split('?', 2);
  return { page: page || '/', query: new URLSearchParams(query) };
}

/** The current route, following hash changes. */
export function useRoute(): Route {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const listen = () => setHash(window.location.hash);
    window.addEventListener('hashchange', listen);
    return () => window.removeEventListener('hashchange', listen);
  }, []);
  return parseRoute(hash);
}

/** The explorer's hash for served report folders (open, and beside it). */
export function explorerHash(open: string | null, beside: string | null): string {
  const query = new URLSearchParams();
  if (open !== null) query.set('open', open);
  if (beside !== null) query.set('beside', beside);
  const text = query.toString();
  return `#/${text === '' ? '' : `?${text}`}`;
}
