import { render } from 'preact';
import type { ViewPage } from '../contracts/view.js';
import { Embedded } from './embedded.js';
import { Served } from './served.js';
import './app.css';

/** A page written by `traces view` carries its sessions; the served page asks the read API. */
function embeddedPage(): ViewPage | null {
  const data = document.getElementById('traces-data');
  if (!data?.textContent) return null;
  return JSON.parse(data.textContent) as ViewPage;
}

const root = document.getElementById('app') ?? document.body.appendChild(document.createElement('div'));
root.id = 'app';
const page = embeddedPage();
render(page ? <Embedded page={page} /> : <Served />, root);
