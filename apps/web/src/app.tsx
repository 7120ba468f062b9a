/** The dashboard: one page per hash route. */
import { Explorer } from './explorer.js';
import { useRoute } from './route.js';
import { TheoryPlayground } from './theory/playground.js';
import { ModelPlayground } from './model/playground.js';

/** Pages that later issues fill (the playgrounds). */
const PLANNED: Record<string, string> = {};

/** The page the route names. */
export function App() {
  const route = useRoute();
  return (
    <>
      <header className="top">
        <a href="#/" className="brand">
          iclkr
        </a>
        <a href="#/">reports</a>
        <a href="#/theory">theory playground</a>
        <a href="#/model">model playground</a>
        <span className="tagline">in-context learning as kernel regression</span>
      </header>
      {route.page === '/' ? (
        <Explorer route={route} />
      ) : route.page === '/theory' ? (
        <TheoryPlayground />
      ) : route.page === '/model' ? (
        <ModelPlayground />
      ) : (
        <main>
          <p className="note">
            {PLANNED[route.page] ?? `There is no page ${route.page}.`} Go to <a href="#/">the report explorer</a>.
          </p>
        </main>
      )}
    </>
  );
}
