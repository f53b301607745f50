// A link to another state of the page: a real <a href> (so it opens in a new tab, can be copied
// and works from the keyboard), followed in place without reloading the page.
import type { ComponentChildren } from 'preact';
import { hrefFor, navigate, type Params } from '../route.js';

export function Link(props: { to: Params; children: ComponentChildren; class?: string; title?: string; current?: boolean; 'data-testid'?: string }) {
  const href = hrefFor(props.to);
  const onClick = (e: MouseEvent) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(props.to);
    window.scrollTo(0, 0);
  };
  return (
    <a href={href} onClick={onClick} class={props.class} title={props.title} aria-current={props.current ? 'page' : undefined} data-testid={props['data-testid']}>
      {props.children}
    </a>
  );
}
